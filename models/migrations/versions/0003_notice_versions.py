"""notice versions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 11:52:22.816445
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('notice_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('first_shown_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_versions')),
    sa.UniqueConstraint('version', name=op.f('uq_notice_versions_version'))
    )


def downgrade() -> None:
    op.drop_table('notice_versions')
