from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from models.tables import metadata


def test_the_migrations_build_exactly_the_schema_the_models_describe(app):
    with app.extensions["surveys.engine"].connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []


def test_the_internal_recipient_always_exists(app):
    from surveys import db, staff
    with app.app_context():
        internal = staff.internal_recipient(db.session())
        assert (internal.name, internal.kind) == ("internal", "internal")
