"""The composition root: create_app() reads like a table of contents."""
from flask import Flask

from models.crypto import KeyRingError
from surveys import (api, benchmark, cli, db, http_errors, inputs, jobs, keys, languages, ratelimit, researcher,
                     respond, security, signin)
from surveys.config import ConfigurationError, instance_path, load_config, refuse_to_start, require_secrets


def create_app(test_config: dict | None = None, *, bootstrap: bool = False) -> Flask:
    """`bootstrap`: the app `init` runs in, which may lack the secrets it is about to create."""
    try:
        app = configured_app(test_config, bootstrap)
    except (ConfigurationError, KeyRingError) as exc:
        if test_config is not None:
            raise  # a test asks for the error itself
        refuse_to_start(exc)
    db.init_app(app)
    security.init_app(app)
    inputs.init_app(app)
    languages.init_app(app)
    signin.init_app(app)
    ratelimit.init_app(app)
    jobs.init_app(app)
    app.register_blueprint(respond.bp)
    app.register_blueprint(researcher.bp)
    app.register_blueprint(researcher.preview_bp)
    app.register_blueprint(api.bp)
    benchmark.init_app(app)
    http_errors.init_app(app)
    cli.init_app(app)
    return app


def configured_app(test_config: dict | None, bootstrap: bool = False) -> Flask:
    """Configuration, secrets and the key ring: what the app cannot start without."""
    app = Flask(__name__, instance_path=instance_path(test_config), instance_relative_config=True,
                template_folder="surveys/templates", static_folder="surveys/static")
    load_config(app, test_config)
    require_secrets(app, bootstrap)
    keys.init_app(app)
    return app
