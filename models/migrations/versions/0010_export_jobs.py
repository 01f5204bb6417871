"""exports made in the background, their progress and the key of their sealed file

Revision ID: 0010
Revises: 0008
Create Date: 2026-11-26 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('export_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('handle', sa.String(length=32), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=200), nullable=False),
    sa.Column('format', sa.String(length=16), nullable=False),
    sa.Column('mode', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('rows_done', sa.Integer(), nullable=False),
    sa.Column('rows_expected', sa.Integer(), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=True),
    sa.Column('data_key', sa.LargeBinary(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('downloaded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed', 'expired')",
                       name=op.f('ck_export_jobs_status_known')),
    sa.CheckConstraint("mode IN ('blank', 'drop')", name=op.f('ck_export_jobs_mode_known')),
    sa.CheckConstraint('rows_done >= 0 AND rows_expected >= 0', name=op.f('ck_export_jobs_rows_counted')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_export_jobs_account_id_accounts'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recipient_id'], ['recipients.id'],
                            name=op.f('fk_export_jobs_recipient_id_recipients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_export_jobs_survey_id_surveys'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_export_jobs')),
    sa.UniqueConstraint('handle', name=op.f('uq_export_jobs_handle'))
    )
    op.create_index(op.f('ix_export_jobs_account_id'), 'export_jobs', ['account_id'], unique=False)
    op.create_index(op.f('ix_export_jobs_status'), 'export_jobs', ['status'], unique=False)
    op.create_index(op.f('ix_export_jobs_expires_at'), 'export_jobs', ['expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_export_jobs_expires_at'), table_name='export_jobs')
    op.drop_index(op.f('ix_export_jobs_status'), table_name='export_jobs')
    op.drop_index(op.f('ix_export_jobs_account_id'), table_name='export_jobs')
    op.drop_table('export_jobs')
