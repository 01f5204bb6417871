"""each block of response ids' stamp (how many, the sum of revisions) kept by triggers

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-24 07:00:00

As with the response counts (0012), the triggers are the whole upkeep: every insert, deletion and change of a
response's revision moves its block's stamp in its own transaction, whichever code wrote it. On SQLite a migration
that copies `responses` to change it (batch mode) drops its triggers: such a migration must create them again
(tests/web/test_response_counts.py notices).
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

BITS, SLOTS = 10, 4
KEY = "survey_id, block, slot"
FOLLOWED = ("survey_id", "id", "revision")


def _sqlite_add(row: str) -> str:
    return (f"INSERT INTO block_stamps ({KEY}, responses, revisions) "
            f"VALUES ({row}.survey_id, {row}.id >> {BITS}, {row}.id % {SLOTS}, 1, {row}.revision) "
            f"ON CONFLICT ({KEY}) DO UPDATE SET responses = responses + 1, revisions = revisions + excluded.revisions;")


def _sqlite_remove(row: str) -> str:
    return (f"UPDATE block_stamps SET responses = responses - 1, revisions = revisions - {row}.revision "
            f"WHERE survey_id = {row}.survey_id AND block = {row}.id >> {BITS} AND slot = {row}.id % {SLOTS};")


SQLITE = [
    f"CREATE TRIGGER block_stamps_insert AFTER INSERT ON responses BEGIN {_sqlite_add('NEW')} END",
    f"CREATE TRIGGER block_stamps_delete AFTER DELETE ON responses BEGIN {_sqlite_remove('OLD')} END",
    (f"CREATE TRIGGER block_stamps_update AFTER UPDATE OF {', '.join(FOLLOWED)} ON responses "
     f"WHEN {' OR '.join(f'OLD.{c} IS NOT NEW.{c}' for c in FOLLOWED)} "
     f"BEGIN {_sqlite_remove('OLD')} {_sqlite_add('NEW')} END"),
]

POSTGRES = [
    # Inserts are added up once per statement: a bulk load (COPY, a multi-row insert) makes one upsert per slot.
    f"""CREATE FUNCTION block_stamps_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO block_stamps AS b ({KEY}, responses, revisions)
    SELECT survey_id, id >> {BITS}, id % {SLOTS}, count(*), sum(revision)::bigint
    FROM added GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT ({KEY}) DO UPDATE SET responses = b.responses + EXCLUDED.responses,
                                      revisions = b.revisions + EXCLUDED.revisions;
    RETURN NULL;
END $$""",
    f"""CREATE FUNCTION block_stamps_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.survey_id = NEW.survey_id AND OLD.id = NEW.id THEN
        UPDATE block_stamps SET revisions = revisions + NEW.revision - OLD.revision
        WHERE survey_id = NEW.survey_id AND block = NEW.id >> {BITS} AND slot = NEW.id % {SLOTS};
        RETURN NULL;
    END IF;
    UPDATE block_stamps SET responses = responses - 1, revisions = revisions - OLD.revision
    WHERE survey_id = OLD.survey_id AND block = OLD.id >> {BITS} AND slot = OLD.id % {SLOTS};
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO block_stamps AS b ({KEY}, responses, revisions)
        VALUES (NEW.survey_id, NEW.id >> {BITS}, NEW.id % {SLOTS}, 1, NEW.revision)
        ON CONFLICT ({KEY}) DO UPDATE SET responses = b.responses + 1, revisions = b.revisions + EXCLUDED.revisions;
    END IF;
    RETURN NULL;
END $$""",
    """CREATE FUNCTION block_stamps_clear() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM block_stamps;
    RETURN NULL;
END $$""",
    ("CREATE TRIGGER block_stamps_insert AFTER INSERT ON responses REFERENCING NEW TABLE AS added "
     "FOR EACH STATEMENT EXECUTE FUNCTION block_stamps_added()"),
    "CREATE TRIGGER block_stamps_delete AFTER DELETE ON responses FOR EACH ROW EXECUTE FUNCTION block_stamps_follow()",
    (f"CREATE TRIGGER block_stamps_update AFTER UPDATE OF {', '.join(FOLLOWED)} ON responses FOR EACH ROW "
     f"WHEN (ROW({', '.join(f'OLD.{c}' for c in FOLLOWED)}) IS DISTINCT FROM ROW({', '.join(f'NEW.{c}' for c in FOLLOWED)})) "
     "EXECUTE FUNCTION block_stamps_follow()"),
    ("CREATE TRIGGER block_stamps_truncate AFTER TRUNCATE ON responses FOR EACH STATEMENT "
     "EXECUTE FUNCTION block_stamps_clear()"),
]


def upgrade() -> None:
    op.create_table('block_stamps',
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('block', sa.Integer(), nullable=False),
    sa.Column('slot', sa.SmallInteger(), nullable=False),
    sa.Column('responses', sa.Integer(), nullable=False),
    sa.Column('revisions', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_block_stamps_survey_id_surveys'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('survey_id', 'block', 'slot', name=op.f('pk_block_stamps'))
    )
    # Triggers first: on PostgreSQL creating them locks out writers to responses until this commits, so no
    # response can arrive between the sums below and the triggers.
    for statement in SQLITE if op.get_bind().dialect.name == "sqlite" else POSTGRES:
        op.execute(statement)
    op.execute(f"INSERT INTO block_stamps ({KEY}, responses, revisions) "
               f"SELECT survey_id, id >> {BITS}, id % {SLOTS}, count(*), sum(revision) FROM responses "
               f"GROUP BY survey_id, id >> {BITS}, id % {SLOTS}")


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for trigger in ("insert", "delete", "update", "truncate"):
        op.execute(f"DROP TRIGGER IF EXISTS block_stamps_{trigger}" + ("" if sqlite else " ON responses"))
    if not sqlite:
        for function in ("block_stamps_added()", "block_stamps_follow()", "block_stamps_clear()"):
            op.execute(f"DROP FUNCTION {function}")
    op.drop_table('block_stamps')
