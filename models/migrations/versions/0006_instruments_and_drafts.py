"""sections, grids, logic and coded choices on fields; drafts between pages

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 21:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

_fields = sa.table('fields', sa.column('id', sa.Integer), sa.column('choices', sa.JSON))


def upgrade() -> None:
    # Plain ALTER TABLE: a batch would copy these tables, which others reference.
    op.add_column('surveys', sa.Column('layout', sa.JSON(), nullable=False, server_default='{}'))
    op.add_column('fields', sa.Column('show_if', sa.Text(), nullable=True))
    op.add_column('fields', sa.Column('formula', sa.Text(), nullable=True))
    op.add_column('fields', sa.Column('pattern', sa.Text(), nullable=True))
    op.add_column('fields', sa.Column('appearance', sa.String(length=16), nullable=True))
    op.add_column('fields', sa.Column('section', sa.String(length=64), nullable=True))
    op.add_column('fields', sa.Column('matrix', sa.String(length=64), nullable=True))
    # Choices were plain text; as coded choices each text is both the value and the label, so every
    # stored answer still names a choice.
    connection = op.get_bind()
    for row in connection.execute(sa.select(_fields.c.id, _fields.c.choices).where(_fields.c.choices.is_not(None))):
        if not row.choices:  # JSON null
            continue
        coded = [c if isinstance(c, dict) else {"value": c, "label": c} for c in row.choices]
        connection.execute(_fields.update().where(_fields.c.id == row.id).values(choices=coded))
    op.create_table('drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('handle', sa.String(length=32), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('token_digest', sa.String(length=64), nullable=False),
    sa.Column('resume_digest', sa.String(length=64), nullable=True),
    sa.Column('data_key', sa.LargeBinary(), nullable=False),
    sa.Column('sealed', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_drafts_survey_id_surveys'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drafts')),
    sa.UniqueConstraint('handle', name=op.f('uq_drafts_handle')),
    sa.UniqueConstraint('token_digest', name=op.f('uq_drafts_token_digest')),
    sa.UniqueConstraint('resume_digest', name=op.f('uq_drafts_resume_digest'))
    )
    op.create_index(op.f('ix_drafts_survey_id'), 'drafts', ['survey_id'], unique=False)
    op.create_index(op.f('ix_drafts_expires_at'), 'drafts', ['expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_drafts_expires_at'), table_name='drafts')
    op.drop_index(op.f('ix_drafts_survey_id'), table_name='drafts')
    op.drop_table('drafts')
    connection = op.get_bind()
    for row in connection.execute(sa.select(_fields.c.id, _fields.c.choices).where(_fields.c.choices.is_not(None))):
        if not row.choices:
            continue
        plain = [str(c["value"]) if isinstance(c, dict) else c for c in row.choices]
        connection.execute(_fields.update().where(_fields.c.id == row.id).values(choices=plain))
    for column in ('matrix', 'section', 'appearance', 'pattern', 'formula', 'show_if'):
        op.execute(f"ALTER TABLE fields DROP COLUMN {column}")  # SQLite 3.35+ and PostgreSQL alike
    op.execute("ALTER TABLE surveys DROP COLUMN layout")
