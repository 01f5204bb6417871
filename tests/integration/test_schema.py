import json
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from models.tables import metadata


def test_the_migrations_build_exactly_the_schema_the_models_describe(app):
    with app.extensions["surveys.engine"].connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []


def test_the_internal_recipient_always_exists(app):
    from sqlalchemy import select

    from models.recipient import INTERNAL, Recipient
    from surveys import db
    with app.app_context():
        internal = db.session().scalar(select(Recipient).where(Recipient.kind == INTERNAL))
        assert (internal.name, internal.kind) == ("internal", "internal")


def test_ledger_lines_written_before_0004_are_found_by_response_id_after_it(app, client, submit, make_recipient):
    from alembic import command
    from sqlalchemy import text

    from models.ledger_lines import Chunk
    from models.schema import migrate, run
    token = make_recipient("Acme")
    kept, erased = (submit("wellbeing-demo", {"wellbeing": "good"}).get_json() for _ in range(2))
    assert client.get("/api/v1/surveys/wellbeing-demo/responses?purpose=care-quality",
                      headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.delete("/api/v1/me", headers={"X-Receipt": erased["receipt"]}).status_code == 204
    engine = app.extensions["surveys.engine"]
    run(engine, command.downgrade, "0003")
    migrate(engine)
    with engine.connect() as connection:
        chunks = connection.execute(text("SELECT first_id, last_id, span, count, ids, public_ids, fields, lists "
                                         "FROM ledger_lines")).all()
        lines = {public_id: rid for chunk in chunks for rid, public_id, _ in Chunk(*chunk).lines()}
        kept_id = connection.execute(text("SELECT id FROM responses WHERE public_id = :p"),
                                     {"p": kept["id"]}).scalar_one()
    assert lines == {kept["id"]: kept_id, erased["id"]: None}
    seen = client.get("/api/v1/me", headers={"X-Receipt": kept["receipt"]}).get_json()["disclosures"]
    assert [d["recipient"] for d in seen] == ["Acme"]


def test_choices_stored_as_plain_text_before_0006_become_coded_and_their_answers_stay_valid(app, client, submit):
    from alembic import command
    from sqlalchemy import text

    from models.schema import migrate, run
    receipt = submit("wellbeing-demo", {"wellbeing": "good", "activities": ["walking"]}).get_json()["receipt"]
    engine = app.extensions["surveys.engine"]
    run(engine, command.downgrade, "0005")
    def stored_choices():  # a JSON column: text on SQLite, already parsed on PostgreSQL
        with engine.connect() as connection:
            value = connection.execute(text("SELECT choices FROM fields WHERE name = 'wellbeing'")).scalar_one()
        return json.loads(value) if isinstance(value, str) else value
    assert stored_choices()[0] == "very good"  # as 0005 stored them
    migrate(engine)
    assert stored_choices()[0] == {"value": "very good", "label": "very good"}
    headers = {"X-Receipt": receipt}
    assert client.get("/api/v1/me", headers=headers).get_json()["answers"]["wellbeing"] == "good"
    corrected = client.patch("/api/v1/me", json={"answers": {"wellbeing": "fair"}}, headers=headers)
    assert corrected.status_code == 200 and corrected.get_json()["answers"]["activities"] == ["walking"]
