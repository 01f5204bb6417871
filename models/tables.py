"""Every table, imported once so Base.metadata knows them all (Alembic, tests)."""
from . import account, draft, export_job, ledger, recipient, respondent_access, response, survey  # noqa: F401
from .base import Base

metadata = Base.metadata
