"""languages: a survey's languages and translations; the language of each response, consent event and notice

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 23:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE where a batch would copy a table others reference.
    op.add_column('surveys', sa.Column('languages', sa.JSON(), nullable=False, server_default='[]'))
    op.add_column('surveys', sa.Column('translations', sa.JSON(), nullable=False, server_default='{}'))
    op.add_column('responses', sa.Column('language', sa.String(length=16), nullable=False, server_default='en'))
    op.add_column('consent_events', sa.Column('language', sa.String(length=16), nullable=False,
                                              server_default='en'))
    with op.batch_alter_table('notice_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=16), nullable=False, server_default='en'))
        batch_op.drop_constraint('uq_notice_versions_version', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_notice_versions_version_language'), ['version', 'language'])


def downgrade() -> None:
    # One text per version before this revision: the translations go, the service's own language stays.
    op.execute("DELETE FROM notice_versions WHERE language <> 'en'")
    with op.batch_alter_table('notice_versions', schema=None) as batch_op:
        batch_op.drop_constraint('uq_notice_versions_version_language', type_='unique')
        batch_op.drop_column('language')
        batch_op.create_unique_constraint(batch_op.f('uq_notice_versions_version'), ['version'])
    for table, column in (('consent_events', 'language'), ('responses', 'language'), ('surveys', 'translations'),
                          ('surveys', 'languages')):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
