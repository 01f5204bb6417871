"""Every table, imported once so Base.metadata knows them all (Alembic, tests)."""
from . import (account, draft, export_job, ledger, ledger_audit, ledger_lines, recipient,  # noqa: F401
               respondent_access, response, response_counts, survey, tally, block_stamps)
from .base import Base

metadata = Base.metadata
