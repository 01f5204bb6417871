"""Commands for who may act and receive: staff accounts, third-party recipients."""
import sys
from datetime import timedelta

import click
from flask.cli import AppGroup

from models.base import utcnow
from models.vocabulary import StaffRole, SurveyRole

from .. import access, accounts, catalogue, db, errors, recipients
from ..keys import keyring
from ..signin import passwords
from .common import fail

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
        fail("; ".join([exc.message, *sum(exc.errors.values(), [])]))
    session.commit()
    click.echo(f"created {account.role} {account.email}{' with SPI access' if account.spi_access else ''}")


@users_group.command("grant")
@click.argument("email")
@click.argument("slugs", nargs=-1, required=True)
@click.option("--role", type=click.Choice([role.value for role in SurveyRole] + ["none"]), required=True,
              help="viewer: see it and its results; exporter: and export it; editor: and change, open and close it; "
                   "none: take the role away.")
def grant_command(email: str, slugs: tuple[str, ...], role: str):
    """Give a staff account a role on one or more surveys (admins need none: they may do everything)."""
    session = db.session()
    try:
        account = accounts.find_active_account(session, email)
        for slug in slugs:
            access.grant(session, account, catalogue.get_survey(session, slug),
                         None if role == "none" else SurveyRole(role), "command line")
    except errors.DomainError as exc:
        fail(exc.message)
    session.commit()
    click.echo(f"{account.email}: {role} on {', '.join(slugs)}")


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
        fail("; ".join([exc.message, *sum(exc.errors.values(), [])]))
    session.commit()
    click.echo(f"registered {recipient.name} for {', '.join(recipient.purpose_names)}; "
               f"surveys: {', '.join(s.slug for s in recipient.surveys) or 'none yet'}")
    click.echo("API token (shown once, keep it safe):")
    click.echo(token)
