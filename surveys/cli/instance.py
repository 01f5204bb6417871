"""Commands that set the instance up and keep its keys: init, keys rotate."""
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from models.crypto import KeyRingError

from .. import db, errors, installation, rotation
from ..languages import offered_languages
from ..web import current_notice
from .common import fail

INIT_HELP = "Create the instance folder, secret key, key ring and schema; load the demo survey if there is none."


@click.command("init", help=INIT_HELP)
def bootstrap_init_command():
    """`flask --app app init` as the `flask` command finds it: through this package's entry point, before any
    app is built, so that it can build the one app allowed to start without the secrets it creates."""
    from app import create_app
    with create_app(bootstrap=True).app_context():
        initialise()


@click.command("init", help=INIT_HELP)
@with_appcontext
def init_command():
    """The same, on an app already built (a test's CLI runner)."""
    initialise()


def initialise() -> None:
    done = installation.Installed()
    try:
        installation.prepare_instance(
            Path(current_app.instance_path), Path(current_app.config["KEYRING_FILE"]), db.engine(),
            notice_configured=bool(current_app.config.get("PRIVACY_NOTICE_FILE")), done=done)
    except errors.DomainError as exc:
        fail(exc.message)
    if done.secret_key:
        click.echo(f"wrote a secret key to {done.secret_key}")
    if done.key_ring:
        click.echo(f"wrote a new key ring to {done.key_ring} (mode 0600): back it up; without it answers are lost")
    if done.notice:
        click.echo(f"wrote the default privacy notice to {done.notice}: edit it, and raise its version line")
    in_force = [current_notice(language) for language in offered_languages()]
    installation.prepare_database(db.engine(), current_app.extensions["surveys.sessions"], in_force, done)
    click.echo("database schema is up to date")
    if done.demo_survey:
        click.echo(f"loaded the demo survey: /s/{done.demo_survey}")
    click.echo("ready")


keys_group = AppGroup("keys", help="The key ring that protects stored answers.")


@keys_group.command("rotate")
def rotate_command():
    """Make a new key current and re-wrap every response's data key under it."""
    try:
        done = rotation.rotate_keys(current_app.extensions["surveys.sessions"], current_app.config["KEYRING_FILE"])
    except KeyRingError as exc:
        fail(f"keys rotate: {exc}; nothing was re-wrapped")
    click.echo(f"key {done.current} is now current (was {done.previous}); re-wrapped {done.data_keys} data key(s) "
               f"and {done.recipient_keys} recipient key(s)")
