"""staff rights per survey, survey versions and their review, set-password links, the draft status

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 00:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('password_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_digest', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_password_links_account_id_accounts'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_links')),
    sa.UniqueConstraint('token_digest', name=op.f('uq_password_links_token_digest'))
    )
    op.create_index(op.f('ix_password_links_account_id'), 'password_links', ['account_id'], unique=False)
    op.create_table('survey_grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('granted_by', sa.String(length=254), nullable=False),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('viewer', 'exporter', 'editor')", name=op.f('ck_survey_grants_role_known')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_survey_grants_account_id_accounts'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_grants_survey_id_surveys'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_grants')),
    sa.UniqueConstraint('account_id', 'survey_id', name=op.f('uq_survey_grants_account_id_survey_id'))
    )
    op.create_index(op.f('ix_survey_grants_survey_id'), 'survey_grants', ['survey_id'], unique=False)
    op.create_table('survey_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('saved_by', sa.String(length=254), nullable=False),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('defaulted_spi', sa.JSON(), nullable=False),
    sa.Column('reviewed_by', sa.String(length=254), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_versions_survey_id_surveys'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_versions')),
    sa.UniqueConstraint('survey_id', 'number', name=op.f('uq_survey_versions_survey_id_number'))
    )
    # These two copy a table others reference on SQLite; models.schema.migrate turns its foreign keys off
    # around the migration (and checks them after), so the copy cascades nothing.
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reviewer', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.alter_column('password_hash', existing_type=sa.String(length=255), nullable=True)
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_surveys_status_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_surveys_status_known'), "status IN ('draft', 'open', 'closed')")


def downgrade() -> None:
    # A draft was never reviewed: before this revision there is no such state, and closed withholds as it did.
    op.execute("UPDATE surveys SET status = 'closed' WHERE status = 'draft'")
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_surveys_status_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_surveys_status_known'), "status IN ('open', 'closed')")
    op.execute("DELETE FROM accounts WHERE password_hash IS NULL")
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.alter_column('password_hash', existing_type=sa.String(length=255), nullable=False)
        batch_op.drop_column('reviewer')
    op.drop_table('survey_versions')
    op.drop_index(op.f('ix_survey_grants_survey_id'), table_name='survey_grants')
    op.drop_table('survey_grants')
    op.drop_index(op.f('ix_password_links_account_id'), table_name='password_links')
    op.drop_table('password_links')
