"""ledger lines looked up by response id

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 14:05:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ledger_respondents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('response_id', sa.Integer(), nullable=True))
        batch_op.drop_index(batch_op.f('ix_ledger_respondents_public_id'))
    # Lines of erased responses keep no response id: nobody can sign in as them any more.
    op.execute("UPDATE ledger_respondents SET response_id = (SELECT responses.id FROM responses "
               "WHERE responses.public_id = ledger_respondents.public_id)")
    with op.batch_alter_table('ledger_respondents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_respondents_response_id'), ['response_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ledger_respondents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_respondents_response_id'))
        batch_op.create_index(batch_op.f('ix_ledger_respondents_public_id'), ['public_id'], unique=False)
        batch_op.drop_column('response_id')
