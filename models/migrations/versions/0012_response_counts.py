"""responses counted per survey, day and consent state, kept by triggers; erasures indexed by reason

Revision ID: 0012
Revises: 0008
Create Date: 2026-11-24 03:00:00

The triggers are the whole upkeep: every insert, deletion and change of a counted column of
`responses` moves the counts in its own transaction, whichever code wrote it. A cell that would
fall below zero, or is missing, stops the write: the counts never drift from the rows silently.
On SQLite a migration that copies `responses` to change it (batch mode) drops its triggers:
such a migration must create them again (tests/integration/test_response_counts.py notices).
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

SLOTS = 4
KEY = "survey_id, day, opt_out_third_party, opt_out_other_purposes, spi_disclosure, slot"
FLAGS = ("opt_out_third_party", "opt_out_other_purposes", "spi_disclosure")


def _sqlite_cell(row: str) -> tuple[str, str]:
    """(its key's values, a WHERE clause naming it) for the cell of row OLD or NEW."""
    values = f"{row}.survey_id, date({row}.submitted_at), " + ", ".join(f"{row}.{f}" for f in FLAGS) \
        + f", {row}.id % {SLOTS}"
    where = " AND ".join([f"survey_id = {row}.survey_id", f"day = date({row}.submitted_at)",
                          *(f"{f} = {row}.{f}" for f in FLAGS), f"slot = {row}.id % {SLOTS}"])
    return values, where


def _sqlite_add(row: str) -> str:
    values, _ = _sqlite_cell(row)
    return (f"INSERT INTO response_counts ({KEY}, responses) VALUES ({values}, 1) "
            f"ON CONFLICT ({KEY}) DO UPDATE SET responses = responses + 1;")


def _sqlite_remove(row: str) -> str:
    _, where = _sqlite_cell(row)
    return (f"SELECT RAISE(ABORT, 'response counts out of step with responses') "
            f"WHERE NOT EXISTS (SELECT 1 FROM response_counts WHERE {where} AND responses > 0); "
            f"UPDATE response_counts SET responses = responses - 1 WHERE {where};")


COUNTED = ("survey_id", "submitted_at", *FLAGS)

SQLITE = [
    f"CREATE TRIGGER response_counts_insert AFTER INSERT ON responses BEGIN {_sqlite_add('NEW')} END",
    f"CREATE TRIGGER response_counts_delete AFTER DELETE ON responses BEGIN {_sqlite_remove('OLD')} END",
    (f"CREATE TRIGGER response_counts_update AFTER UPDATE OF {', '.join(COUNTED)} ON responses "
     f"WHEN {' OR '.join(f'OLD.{c} IS NOT NEW.{c}' for c in COUNTED)} "
     f"BEGIN {_sqlite_remove('OLD')} {_sqlite_add('NEW')} END"),
]

POSTGRES_DAY = "(r.submitted_at AT TIME ZONE 'UTC')::date"
POSTGRES = [
    f"""CREATE FUNCTION response_counts_change(r responses, delta integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF delta > 0 THEN
        INSERT INTO response_counts AS c ({KEY}, responses)
        VALUES (r.survey_id, {POSTGRES_DAY}, r.opt_out_third_party, r.opt_out_other_purposes, r.spi_disclosure,
                r.id % {SLOTS}, 1)
        ON CONFLICT ({KEY}) DO UPDATE SET responses = c.responses + 1;
    ELSE
        UPDATE response_counts SET responses = responses - 1
        WHERE survey_id = r.survey_id AND day = {POSTGRES_DAY} AND opt_out_third_party = r.opt_out_third_party
          AND opt_out_other_purposes = r.opt_out_other_purposes AND spi_disclosure = r.spi_disclosure
          AND slot = r.id % {SLOTS};
        IF NOT FOUND THEN
            RAISE EXCEPTION 'response counts out of step with responses (survey %)', r.survey_id;
        END IF;
    END IF;
END $$""",
    # Inserts are counted once per statement: a bulk load (COPY, a multi-row insert) adds up its rows in one
    # upsert per cell, the cells taken in key order.
    f"""CREATE FUNCTION response_counts_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO response_counts AS c ({KEY}, responses)
    SELECT survey_id, (submitted_at AT TIME ZONE 'UTC')::date, opt_out_third_party, opt_out_other_purposes,
           spi_disclosure, id % {SLOTS}, count(*)
    FROM added GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT ({KEY}) DO UPDATE SET responses = c.responses + EXCLUDED.responses;
    RETURN NULL;
END $$""",
    # An update's two cells are taken in key order, so two opposite changes never wait on each other.
    """CREATE FUNCTION response_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM response_counts_change(OLD, -1);
    ELSIF ROW(OLD.survey_id, (OLD.submitted_at AT TIME ZONE 'UTC')::date, OLD.opt_out_third_party,
              OLD.opt_out_other_purposes, OLD.spi_disclosure)
        < ROW(NEW.survey_id, (NEW.submitted_at AT TIME ZONE 'UTC')::date, NEW.opt_out_third_party,
              NEW.opt_out_other_purposes, NEW.spi_disclosure) THEN
        PERFORM response_counts_change(OLD, -1);
        PERFORM response_counts_change(NEW, 1);
    ELSE
        PERFORM response_counts_change(NEW, 1);
        PERFORM response_counts_change(OLD, -1);
    END IF;
    RETURN NULL;
END $$""",
    """CREATE FUNCTION response_counts_clear() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM response_counts;
    RETURN NULL;
END $$""",
    ("CREATE TRIGGER response_counts_insert AFTER INSERT ON responses REFERENCING NEW TABLE AS added "
     "FOR EACH STATEMENT EXECUTE FUNCTION response_counts_added()"),
    ("CREATE TRIGGER response_counts_delete AFTER DELETE ON responses FOR EACH ROW "
     "EXECUTE FUNCTION response_counts_follow()"),
    (f"CREATE TRIGGER response_counts_update AFTER UPDATE OF {', '.join(COUNTED)} ON responses FOR EACH ROW "
     f"WHEN (ROW({', '.join(f'OLD.{c}' for c in COUNTED)}) "
     f"IS DISTINCT FROM ROW({', '.join(f'NEW.{c}' for c in COUNTED)})) "
     "EXECUTE FUNCTION response_counts_follow()"),
    ("CREATE TRIGGER response_counts_truncate AFTER TRUNCATE ON responses FOR EACH STATEMENT "
     "EXECUTE FUNCTION response_counts_clear()"),
]


def upgrade() -> None:
    op.create_table('response_counts',
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('opt_out_third_party', sa.Boolean(), nullable=False),
    sa.Column('opt_out_other_purposes', sa.Boolean(), nullable=False),
    sa.Column('spi_disclosure', sa.Boolean(), nullable=False),
    sa.Column('slot', sa.SmallInteger(), nullable=False),
    sa.Column('responses', sa.Integer(), nullable=False),
    sa.CheckConstraint('responses >= 0', name=op.f('ck_response_counts_not_negative')),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_response_counts_survey_id_surveys'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('survey_id', 'day', 'opt_out_third_party', 'opt_out_other_purposes', 'spi_disclosure',
                            'slot', name=op.f('pk_response_counts'))
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    # Triggers first: on PostgreSQL creating them locks out writers to responses until this commits,
    # so no response can arrive between the count below and the triggers.
    for statement in SQLITE if sqlite else POSTGRES:
        op.execute(statement)
    with op.batch_alter_table('erasures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_erasures_survey_id'))
        batch_op.create_index('ix_erasures_survey_id_reason', ['survey_id', 'reason'], unique=False)
    day = "date(submitted_at)" if sqlite else "(submitted_at AT TIME ZONE 'UTC')::date"
    op.execute(f"INSERT INTO response_counts ({KEY}, responses) "
               f"SELECT survey_id, {day}, {', '.join(FLAGS)}, id % {SLOTS}, count(*) FROM responses "
               f"GROUP BY survey_id, {day}, {', '.join(FLAGS)}, id % {SLOTS}")


def downgrade() -> None:
    with op.batch_alter_table('erasures', schema=None) as batch_op:
        batch_op.drop_index('ix_erasures_survey_id_reason')
        batch_op.create_index(batch_op.f('ix_erasures_survey_id'), ['survey_id'], unique=False)
    for trigger in ("insert", "delete", "update", "truncate"):
        op.execute(f"DROP TRIGGER IF EXISTS response_counts_{trigger}" +
                   ("" if op.get_bind().dialect.name == "sqlite" else " ON responses"))
    if op.get_bind().dialect.name != "sqlite":
        for function in ("response_counts_added()", "response_counts_follow()", "response_counts_clear()",
                         "response_counts_change(responses, integer)"):
            op.execute(f"DROP FUNCTION {function}")
    op.drop_table('response_counts')
