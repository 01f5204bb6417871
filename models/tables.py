"""Every table, imported once so Base.metadata knows them all (Alembic, tests)."""
from . import account, draft, ledger, recipient, respondent_access, response, response_counts, survey  # noqa: F401
from .base import Base

metadata = Base.metadata
