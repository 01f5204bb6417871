"""Commands over the data and its record: export, audit verify, retention purge, responses erase."""
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from models import ledger, ledger_audit
from models.text import MESSAGES, text_problem
from models.vocabulary import STAFF_ERASURE_REASONS

from .. import db, errors, retention, rights
from ..disclosures import BLANK_WITHHELD, DROP_WITHHELD
from ..exports import WRITERS
from ..exports.to_file import export_to_file
from ..keys import keyring
from .common import fail


@click.command("export")
@click.argument("slug")
@click.option("--recipient", required=True, help="internal, or a registered third party's name.")
@click.option("--purpose", required=True, help="The survey's own purpose, or one registered for the recipient.")
@click.option("--format", "fmt", type=click.Choice(list(WRITERS)), required=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--as", "actor", help="The staff account that asks (its email); its SPI clearance counts for internal.")
@click.option("--withheld", "mode", type=click.Choice([BLANK_WITHHELD, DROP_WITHHELD]), default=BLANK_WITHHELD,
              show_default=True, help="blank: leave withheld answers empty; drop: leave out who has any.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Processes that open and write the rows: more than one uses more cores, for the same file.")
@with_appcontext
def export_command(slug: str, recipient: str, purpose: str, fmt: str, output: Path, actor: str | None, mode: str,
                   workers: int):
    """The export page's download, to a file: the same rule and the same ledger entry. Without --as the actor
    is `cli`, cleared for no sensitive answers."""
    try:
        written = export_to_file(db.session(), current_app.extensions["surveys.sessions"], keyring(), slug=slug,
                                 recipient=recipient, purpose=purpose, fmt=fmt, mode=mode, output=output,
                                 actor_email=actor, workers=workers, ring_file=current_app.config["KEYRING_FILE"])
    except errors.DomainError as exc:
        fail(f"export: {exc.message}; nothing was written")
    except OSError as exc:
        fail(f"export: cannot write {output}: {exc.strerror or exc}")
    click.echo(f"wrote {written.path} ({written.size:,} bytes, sha256 {written.sha256}); recorded in the ledger")


audit_group = AppGroup("audit", help="The ledger of disclosures.")


@audit_group.command("verify")
@click.option("--head", help="The head digest recorded earlier: also proves nothing was cut from the end.")
@click.option("--full", is_flag=True, help="Walk the whole chain from its first entry, not from the last checkpoint.")
def verify_command(head: str | None, full: bool):
    """Check the ledger's hash chain from its last signed checkpoint (or, with --full, from the start);
    exit non-zero on a break. An intact chain leaves a checkpoint at its head."""
    result = ledger_audit.verify(db.session(), keyring(), full=full)
    breaks = result.breaks
    if head and not ledger.contains_digest(db.session(), head):
        breaks.append(ledger_audit.Break(None, f"the recorded head {head} is no longer in the ledger"))
    for problem in breaks:
        click.secho(str(problem), err=True, fg="red")
    if breaks:
        fail(f"ledger broken: {len(breaks)} problem(s); {result.checked} entries checked")
    db.commit()
    since = "from the first entry" if result.since is None else f"since the checkpoint at entry {result.since}"
    click.echo(f"ledger intact: {result.entries} entries ({result.checked} checked {since}); head {result.head}")


retention_group = AppGroup("retention", help="Keeping answers no longer than each survey says.")


@retention_group.command("purge")
def purge_command():
    """Erase responses older than their survey's retention period; prints how many."""
    total = retention.purge_expired(current_app.extensions["surveys.sessions"])
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
        fail("--actor: " + MESSAGES[problem])
    session = db.session()
    try:
        if not rights.erase(session, rights.find_by_public_id(session, public_id), reason, actor):
            raise errors.NotFound("That response was erased a moment ago.")
    except errors.DomainError as exc:
        fail(exc.message)
    session.commit()
    rights.clear_residue(db.engine())
    click.echo(f"erased {public_id} ({reason})")
