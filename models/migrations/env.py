from alembic import context
from sqlalchemy import create_engine

from models.base import UTCDateTime
from models.tables import metadata

config = context.config
target_metadata = metadata


def render_item(kind, obj, autogen_context):
    """Migrations name plain SQL types, never the models' Python-side decorators."""
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_item=render_item,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    with create_engine(config.get_main_option("sqlalchemy.url")).begin() as conn:
        run(conn)
