"""Commands for survey definitions: load one from any format we read, export one to any we write."""
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from models.definition import DefinitionError
from models.definition.writer import stored_spec
from models.interop.loading import export_definition, load_any

from .. import catalogue, db, errors
from .common import fail

surveys_group = AppGroup("surveys", help="Survey definitions.")


@surveys_group.command("load")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--slug", help="The survey's slug, where the file has none or to override it.")
@click.option("--title", help="Its title, likewise (for a survey in several languages, the title in each).")
@click.option("--purpose", help="The purpose of collection, likewise (a REDCap dictionary or XLSForm has none).")
@click.option("--purpose-description", help="What the purpose means, in words respondents read.")
@click.option("--skip-unsupported", is_flag=True,
              help="Leave out fields this service cannot ask faithfully (file uploads, repeats…), and list them.")
def load_command(file: Path, slug, title, purpose, purpose_description, skip_unsupported):
    """Create or update a survey from a definition: YAML or JSON, a REDCap data dictionary (.csv) or an
    XLSForm (.xlsx); prints its slug as the last line."""
    options = {"slug": slug, "title": title, "purpose": purpose, "purpose_description": purpose_description}
    try:
        loaded = load_any(file, options, skip_unsupported=skip_unsupported)
    except DefinitionError as exc:
        click.secho(f"{file}: {len(exc.problems)} problem(s); nothing was loaded", err=True, fg="red")
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    session = db.session()
    try:
        defaulted = tuple(loaded.imported.defaulted_spi) if loaded.imported else ()
        catalogue.save_survey(session, loaded.spec, "command line", source=f"the command line: {file.name}",
                              defaulted_spi=defaulted)
    except errors.StrandedData as exc:
        session.rollback()
        fail(f"{file}: {exc.message}")
    session.commit()
    report = loaded.imported
    if report is not None:
        for line in report.notes:
            click.echo(f"note: {line}")
        for line in report.skipped:
            click.echo(f"left out: {line}")
        if report.defaulted_spi:
            click.echo(f"classified spi for want of a tag ({len(report.defaulted_spi)}): "
                       + ", ".join(report.defaulted_spi))
    click.echo(loaded.spec.slug)


@surveys_group.command("export")
@click.argument("slug")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def export_definition_command(slug: str, file: Path):
    """Write a survey's definition out, classification included: .yaml, .json, .csv (REDCap data dictionary)
    or .xlsx (XLSForm)."""
    notes: list[str] = []
    try:
        survey = catalogue.get_survey(db.session(), slug)
        content = export_definition(stored_spec(survey), file.suffix, notes)
    except errors.NotFound as exc:
        fail(exc.message)
    except DefinitionError as exc:
        fail(f"{file}: " + "; ".join(problem.message for problem in exc.problems))
    try:
        file.write_bytes(content)
    except OSError as exc:
        fail(f"{file}: cannot be written: {exc.strerror or exc}")
    for line in notes:
        click.echo(f"note: {line}")
    click.echo(f"wrote {file}")
