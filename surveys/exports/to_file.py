"""The export page's download written to a file, for the `export` command: the same rule, the same stream, the
same ledger entry. The actor is a staff account (its SPI clearance counts for `internal`) or, without one, `cli`,
cleared for nothing."""
from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from models.crypto import KeyRing

from .. import access, accounts, catalogue, recipients
from ..disclosures import prepare
from . import export_stream

log = logging.getLogger(__name__)

#: Who acts when no staff account is named: nobody cleared for sensitive answers.
CLI_ACTOR = "cli"


@dataclass(frozen=True)
class Written:
    path: Path
    size: int
    sha256: str


def export_to_file(session: Session, sessions: sessionmaker, ring: KeyRing, *, slug: str, recipient: str,
                   purpose: str, fmt: str, mode: str, output: Path, actor_email: str | None = None, workers: int = 1,
                   ring_file: str | os.PathLike | None = None) -> Written:
    """Forbidden or NotFound before anything is read. The file appears whole or not at all: it is written
    beside its destination (readable by its owner only: it holds answers) and moved into place at the end.
    With `workers` > 1 the rows are opened by that many processes, each loading the key ring from `ring_file`."""
    survey = catalogue.get_survey(session, slug)
    to = recipients.find_recipient(session, recipient)
    account = accounts.find_active_account(session, actor_email) if actor_email else None
    if account is not None:  # acting as someone: only as far as their rights on this survey go
        access.require(session, account, survey, access.Action.EXPORT)
    d = prepare(survey, to, purpose.strip(), account.email if account else CLI_ACTOR,
                spi_clearance=bool(account and account.spi_access))
    digest, size = hashlib.sha256(), 0
    handle, partial = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".partial", dir=output.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            for chunk in export_stream(sessions, ring, d, fmt, mode, workers=workers, ring_file=ring_file):
                file.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        os.replace(partial, output)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    log.info("%s exported %s to %s for %s as %s into %s", d.actor, slug, to.name, d.purpose, fmt, output)
    return Written(output, size, digest.hexdigest())
