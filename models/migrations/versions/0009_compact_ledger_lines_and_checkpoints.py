"""ledger lines kept in compact chunks; signed checkpoints of verified heads

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 09:30:00

Every existing line moves, batch by batch and in its order, into chunks of ledger_lines; the
entries keep their digests (their lines are digested as before: lines_version 1). The chunks
are encoded by the model's own encoder, so there is one definition of the format.
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

_STREAM = 20_000


def upgrade() -> None:
    from models.ledger_lines import CHUNK, encode
    op.create_table('ledger_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch', sa.String(length=32), nullable=False),
    sa.Column('first_id', sa.Integer(), nullable=False),
    sa.Column('last_id', sa.Integer(), nullable=False),
    sa.Column('span', sa.BigInteger(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('ids', sa.LargeBinary(), nullable=False),
    sa.Column('public_ids', sa.LargeBinary(), nullable=False),
    sa.Column('fields', sa.LargeBinary(), nullable=False),
    sa.Column('lists', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_lines'))
    )
    op.create_index(op.f('ix_ledger_lines_batch'), 'ledger_lines', ['batch'], unique=False)
    op.create_index(op.f('ix_ledger_lines_span'), 'ledger_lines', ['span'], unique=False)
    op.create_table('ledger_checkpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('entries', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('signature', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_checkpoints'))
    )
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lines_version', sa.Integer(), server_default='1', nullable=False))

    connection = op.get_bind()
    lines_table = sa.table('ledger_lines', *(sa.column(name) for name in (
        'batch', 'first_id', 'last_id', 'span', 'count', 'ids', 'public_ids', 'fields', 'lists')))
    # Read by primary key in pages (lines of one batch come in id order, those of two batches may
    # interleave): each batch's lines gather until a chunk is full.
    pending: dict[str, list] = {}
    rows: list[dict] = []
    after = 0

    def chunk_of(batch: str) -> None:
        rows.append({"batch": batch, **encode(pending.pop(batch))})

    while True:
        page = connection.execute(sa.text(
            "SELECT id, batch, response_id, public_id, fields FROM ledger_respondents WHERE id > :after "
            "ORDER BY id LIMIT :page"), {"after": after, "page": _STREAM}).all()
        for after, batch, response_id, public_id, fields in page:
            lines = pending.setdefault(batch, [])
            lines.append((response_id, public_id, fields))
            if len(lines) >= CHUNK:
                chunk_of(batch)
        if rows:
            connection.execute(lines_table.insert(), rows)
            rows.clear()
        if len(page) < _STREAM:
            break
    for batch in list(pending):
        chunk_of(batch)
    if rows:
        connection.execute(lines_table.insert(), rows)
    op.drop_index(op.f('ix_ledger_respondents_response_id'), table_name='ledger_respondents')
    op.drop_index(op.f('ix_ledger_respondents_batch'), table_name='ledger_respondents')
    op.drop_table('ledger_respondents')


def downgrade() -> None:
    from models.ledger_lines import Chunk
    op.create_table('ledger_respondents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch', sa.String(length=32), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=True),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('fields', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_respondents'))
    )
    op.create_index(op.f('ix_ledger_respondents_batch'), 'ledger_respondents', ['batch'], unique=False)
    op.create_index(op.f('ix_ledger_respondents_response_id'), 'ledger_respondents', ['response_id'], unique=False)
    connection = op.get_bind()
    respondents = sa.table('ledger_respondents', *(sa.column(name) for name in (
        'batch', 'response_id', 'public_id', 'fields')))
    after = 0
    while chunks := connection.execute(sa.text(
            "SELECT id, batch, first_id, last_id, span, count, ids, public_ids, fields, lists FROM ledger_lines "
            "WHERE id > :after ORDER BY id LIMIT 64"), {"after": after}).all():
        for after, batch, *chunk in chunks:
            connection.execute(respondents.insert(), [
                {"batch": batch, "response_id": rid, "public_id": public_id, "fields": fields}
                for rid, public_id, fields in Chunk(*chunk).lines()])
    op.drop_table('ledger_checkpoints')
    op.drop_index(op.f('ix_ledger_lines_span'), table_name='ledger_lines')
    op.drop_index(op.f('ix_ledger_lines_batch'), table_name='ledger_lines')
    op.drop_table('ledger_lines')
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_column('lines_version')
