"""kept tallies of blocks of responses, a revision per response, an aggregate release's cohort in the ledger

Revision ID: 0011
Revises: 0008
Create Date: 2026-11-24 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A constant default: both databases add the column without rewriting the table. Existing rows start at 0;
    # any change moves them on, and a new row starts at the microsecond it is written.
    op.add_column('responses', sa.Column('revision', sa.BigInteger(), server_default='0', nullable=False))
    op.create_index('ix_responses_survey_id_id_revision', 'responses', ['survey_id', 'id', 'revision'], unique=False)
    op.create_table('kept_tallies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('stamp', sa.String(length=64), nullable=False),
    sa.Column('data_key', sa.LargeBinary(), nullable=False),
    sa.Column('sealed', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_kept_tallies_survey_id_surveys'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kept_tallies')),
    sa.UniqueConstraint('survey_id', 'level', 'number', name=op.f('uq_kept_tallies_survey_id_level_number'))
    )
    op.add_column('ledger_entries', sa.Column('cohort', sa.JSON(), server_default='{}', nullable=False))
    op.create_index('ix_ledger_entries_survey_action_at', 'ledger_entries', ['survey', 'action', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_ledger_entries_survey_action_at', table_name='ledger_entries')
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_column('cohort')
    op.drop_table('kept_tallies')
    op.drop_index('ix_responses_survey_id_id_revision', table_name='responses')
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_column('revision')
