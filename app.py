"""The composition root: create_app() reads like a table of contents."""
from flask import Flask

from surveys import api, benchmark, cli, db, errors, inputs, keys, ratelimit, researcher, respond, security, signin
from surveys.config import instance_path, load_config, require_secrets


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=instance_path(test_config), instance_relative_config=True,
                template_folder="surveys/templates", static_folder="surveys/static")
    load_config(app, test_config)
    require_secrets(app)
    keys.init_app(app)
    db.init_app(app)
    security.init_app(app)
    inputs.init_app(app)
    signin.init_app(app)
    ratelimit.init_app(app)
    app.register_blueprint(respond.bp)
    app.register_blueprint(researcher.bp)
    app.register_blueprint(api.bp)
    benchmark.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    return app
