"""The `flask --app app …` commands."""
import sys
from datetime import timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from models import ledger
from models.base import utcnow
from models.crypto import KeyRingError
from models.definition import DefinitionError
from models.definition.writer import stored_spec
from models.interop.loading import export_definition, load_any
from models.text import MESSAGES, text_problem
from models.vocabulary import STAFF_ERASURE_REASONS, StaffRole

from . import accounts, catalogue, db, errors, installation, recipients, rights, rotation
from .disclosures import BLANK_WITHHELD, DROP_WITHHELD
from .exports import WRITERS
from .exports.to_file import export_to_file
from .keys import keyring
from .signin import passwords
from .web import current_notice


def init_app(app: Flask) -> None:
    for command in (init_command, surveys_group, export_command, keys_group, users_group, recipients_group,
                    audit_group, retention_group, responses_group):
        app.cli.add_command(command)


def _fail(message: str) -> None:
    click.secho(message, err=True, fg="red")
    sys.exit(1)


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
        _fail(exc.message)
    if done.secret_key:
        click.echo(f"wrote a secret key to {done.secret_key}")
    if done.key_ring:
        click.echo(f"wrote a new key ring to {done.key_ring} (mode 0600): back it up; without it answers are lost")
    if done.notice:
        click.echo(f"wrote the default privacy notice to {done.notice}: edit it, and raise its version line")
    installation.prepare_database(db.engine(), current_app.extensions["surveys.sessions"], current_notice(), done)
    click.echo("database schema is up to date")
    if done.demo_survey:
        click.echo(f"loaded the demo survey: /s/{done.demo_survey}")
    click.echo("ready")


surveys_group = AppGroup("surveys", help="Survey definitions.")


@surveys_group.command("load")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--slug", help="The survey's slug, where the file has none or to override it.")
@click.option("--title", help="Its title, likewise.")
@click.option("--purpose", help="The purpose of collection, likewise (a REDCap dictionary or XLSForm has none).")
@click.option("--purpose-description", help="What the purpose means, in words respondents read.")
@click.option("--skip-unsupported", is_flag=True,
              help="Leave out fields this service cannot ask faithfully (file uploads, repeats…), and list them.")
def load_command(file: Path, slug, title, purpose, purpose_description, skip_unsupported):
    """Create or update a survey from a definition: YAML or JSON, a REDCap data dictionary (.csv) or an
    XLSForm (.xlsx); prints its slug as the last line."""
    options = {"slug": slug, "title": title, "purpose": purpose, "purpose_description": purpose_description}
    try:
        loaded = load_any(file, options, skip_unsupported=skip_unsupported)
    except DefinitionError as exc:
        click.secho(f"{file}: {len(exc.problems)} problem(s); nothing was loaded", err=True, fg="red")
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    session = db.session()
    try:
        catalogue.save_survey(session, loaded.spec)
    except errors.StrandedData as exc:
        session.rollback()
        _fail(f"{file}: {exc.message}")
    session.commit()
    report = loaded.imported
    if report is not None:
        for line in report.notes:
            click.echo(f"note: {line}")
        for line in report.skipped:
            click.echo(f"left out: {line}")
        if report.defaulted_spi:
            click.echo(f"classified spi for want of a tag ({len(report.defaulted_spi)}): "
                       + ", ".join(report.defaulted_spi))
    click.echo(loaded.spec.slug)


@surveys_group.command("export")
@click.argument("slug")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def export_definition_command(slug: str, file: Path):
    """Write a survey's definition out, classification included: .yaml, .json, .csv (REDCap data dictionary)
    or .xlsx (XLSForm)."""
    try:
        survey = catalogue.get_survey(db.session(), slug)
        content = export_definition(stored_spec(survey), file.suffix)
    except errors.NotFound as exc:
        _fail(exc.message)
    except DefinitionError as exc:
        _fail(f"{file}: " + "; ".join(problem.message for problem in exc.problems))
    try:
        file.write_bytes(content)
    except OSError as exc:
        _fail(f"{file}: cannot be written: {exc.strerror or exc}")
    click.echo(f"wrote {file}")


@click.command("export")
@click.argument("slug")
@click.option("--recipient", required=True, help="internal, or a registered third party's name.")
@click.option("--purpose", required=True, help="The survey's own purpose, or one registered for the recipient.")
@click.option("--format", "fmt", type=click.Choice(list(WRITERS)), required=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--as", "actor", help="The staff account that asks (its email); its SPI clearance counts for internal.")
@click.option("--withheld", "mode", type=click.Choice([BLANK_WITHHELD, DROP_WITHHELD]), default=BLANK_WITHHELD,
              show_default=True, help="blank: leave withheld answers empty; drop: leave out who has any.")
@with_appcontext
def export_command(slug: str, recipient: str, purpose: str, fmt: str, output: Path, actor: str | None, mode: str):
    """The export page's download, to a file: the same rule and the same ledger entry. Without --as the actor
    is `cli`, cleared for no sensitive answers."""
    try:
        written = export_to_file(db.session(), current_app.extensions["surveys.sessions"], keyring(), slug=slug,
                                 recipient=recipient, purpose=purpose, fmt=fmt, mode=mode, output=output,
                                 actor_email=actor)
    except errors.DomainError as exc:
        _fail(f"export: {exc.message}; nothing was written")
    except OSError as exc:
        _fail(f"export: cannot write {output}: {exc.strerror or exc}")
    click.echo(f"wrote {written.path} ({written.size:,} bytes, sha256 {written.sha256}); recorded in the ledger")


keys_group = AppGroup("keys", help="The key ring that protects stored answers.")


@keys_group.command("rotate")
def rotate_command():
    """Make a new key current and re-wrap every response's data key under it."""
    try:
        done = rotation.rotate_keys(current_app.extensions["surveys.sessions"], current_app.config["KEYRING_FILE"])
    except KeyRingError as exc:
        _fail(f"keys rotate: {exc}; nothing was re-wrapped")
    click.echo(f"key {done.current} is now current (was {done.previous}); re-wrapped {done.data_keys} data key(s) "
               f"and {done.recipient_keys} recipient key(s)")


users_group = AppGroup("users", help="Staff accounts.")


@users_group.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([role.value for role in StaffRole]), required=True)
@click.option("--spi-access", is_flag=True, help="Cleared to see sensitive answers.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(email: str, role: str, spi_access: bool, password_stdin: bool):
    """Create a staff account."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    session = db.session()
    try:
        account = accounts.create_account(session, passwords(), email, role, password, spi_access)
    except errors.DomainError as exc:
        _fail("; ".join([exc.message, *sum(exc.errors.values(), [])]))
    session.commit()
    click.echo(f"created {account.role} {account.email}{' with SPI access' if account.spi_access else ''}")


recipients_group = AppGroup("recipients", help="Third parties that receive disclosures.")


@recipients_group.command("create")
@click.argument("name")
@click.option("--purpose", "purposes", multiple=True, required=True, help="A purpose it may ask for; repeatable.")
@click.option("--survey", "slugs", multiple=True, help="A survey shared with it; repeatable.")
@click.option("--expires-in-days", type=click.IntRange(1, 3650), help="The token stops working after this.")
def create_recipient_command(name: str, purposes: tuple[str, ...], slugs: tuple[str, ...],
                             expires_in_days: int | None):
    """Register a third party; prints its API token once, as the last line."""
    session = db.session()
    expires = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
    try:
        recipient = recipients.create_recipient(session, keyring(), name, list(purposes), list(slugs))
        token = recipients.issue_token(session, recipient, expires)
    except errors.DomainError as exc:
        _fail("; ".join([exc.message, *sum(exc.errors.values(), [])]))
    session.commit()
    click.echo(f"registered {recipient.name} for {', '.join(recipient.purpose_names)}; "
               f"surveys: {', '.join(s.slug for s in recipient.surveys) or 'none yet'}")
    click.echo("API token (shown once, keep it safe):")
    click.echo(token)


audit_group = AppGroup("audit", help="The ledger of disclosures.")


@audit_group.command("verify")
@click.option("--head", help="The head digest recorded earlier: also proves nothing was cut from the end.")
def verify_command(head: str | None):
    """Check the ledger's hash chain; exit non-zero on a break."""
    count, last, breaks = ledger.verify(db.session())
    for problem in breaks:
        click.secho(str(problem), err=True, fg="red")
    if head and not ledger.contains_digest(db.session(), head):
        breaks.append(ledger.Break(None, "the recorded head is no longer in the ledger"))
        click.secho(f"the recorded head {head} is no longer in the ledger", err=True, fg="red")
    if breaks:
        _fail(f"ledger broken: {len(breaks)} problem(s) in {count} entries")
    click.echo(f"ledger intact: {count} entries; head {last}")


retention_group = AppGroup("retention", help="Keeping answers no longer than each survey says.")


@retention_group.command("purge")
def purge_command():
    """Erase responses older than their survey's retention period; prints how many."""
    total = rights.purge_expired(current_app.extensions["surveys.sessions"])
    rights.clear_residue(db.engine())
    click.echo(f"erased {total} response(s) past their retention period")


responses_group = AppGroup("responses", help="Single responses, by their public id.")


@responses_group.command("erase")
@click.argument("public_id")
@click.option("--reason", type=click.Choice([reason.value for reason in STAFF_ERASURE_REASONS]), required=True,
              help="minor: found to be from a minor; staff: a deletion request handled by staff.")
@click.option("--actor", required=True, help="Who acts (your email), for the ledger.")
def erase_command(public_id: str, reason: str, actor: str):
    """Erase one response now; the ledger records that it happened, never what it held."""
    if problem := text_problem(actor):
        _fail("--actor: " + MESSAGES[problem])
    session = db.session()
    try:
        if not rights.erase(session, rights.find_by_public_id(session, public_id), reason, actor):
            raise errors.NotFound("That response was erased a moment ago.")
    except errors.DomainError as exc:
        _fail(exc.message)
    session.commit()
    rights.clear_residue(db.engine())
    click.echo(f"erased {public_id} ({reason})")
