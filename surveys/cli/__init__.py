"""The `flask --app app …` commands, by what they act on; each thin, the work in the use cases."""
from flask import Flask

from .definitions import surveys_group
from .instance import bootstrap_init_command, init_command, keys_group
from .jobs import jobs_group
from .people import recipients_group, users_group
from .records import audit_group, export_command, responses_group, retention_group

__all__ = ["bootstrap_init_command", "init_app"]


def init_app(app: Flask) -> None:
    for command in (init_command, surveys_group, export_command, keys_group, users_group, recipients_group,
                    audit_group, retention_group, responses_group, jobs_group):
        app.cli.add_command(command)
