"""respondent sessions, submission tokens, GPC on consent events

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 20:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('respondent_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_digest', sa.String(length=64), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['response_id'], ['responses.id'],
                            name=op.f('fk_respondent_sessions_response_id_responses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_respondent_sessions')),
    sa.UniqueConstraint('token_digest', name=op.f('uq_respondent_sessions_token_digest'))
    )
    op.create_index(op.f('ix_respondent_sessions_response_id'), 'respondent_sessions', ['response_id'], unique=False)
    op.create_table('submission_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('sealed_receipt', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['response_id'], ['responses.id'],
                            name=op.f('fk_submission_tokens_response_id_responses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submission_tokens')),
    sa.UniqueConstraint('digest', name=op.f('uq_submission_tokens_digest'))
    )
    op.create_index(op.f('ix_submission_tokens_response_id'), 'submission_tokens', ['response_id'], unique=False)
    with op.batch_alter_table('consent_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('gpc', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('consent_events', schema=None) as batch_op:
        batch_op.drop_column('gpc')
    op.drop_index(op.f('ix_submission_tokens_response_id'), table_name='submission_tokens')
    op.drop_table('submission_tokens')
    op.drop_index(op.f('ix_respondent_sessions_response_id'), table_name='respondent_sessions')
    op.drop_table('respondent_sessions')
