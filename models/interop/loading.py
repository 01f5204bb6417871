"""Any file `surveys load` takes → a checked SurveySpec: our YAML or JSON, a REDCap data dictionary (.csv) or an
XLSForm (.xlsx), with the command's options filling in or overriding what the file gives; and a survey written
back out in any of those formats."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import yaml

from ..definition import SurveySpec, check_definition, read_definition
from ..definition.spec import DefinitionError, Problem
from ..definition.writer import definition_data
from .common import MAX_BYTES, Imported
from .redcap import read_redcap
from .redcap_out import write_redcap
from .xlsform import read_xlsform
from .xlsform_out import write_xlsform

OURS = (".yaml", ".yml", ".json")
IMPORTERS: dict[str, Callable[..., Imported]] = {".csv": read_redcap, ".xlsx": read_xlsform}
FORMATS = "YAML or JSON (.yaml, .yml, .json), a REDCap data dictionary (.csv) or an XLSForm (.xlsx)"
#: The survey's own keys the command's options may give, and those of them that are texts respondents read.
OPTIONS = ("slug", "title", "purpose", "purpose_description")
TEXT_OPTIONS = ("title", "purpose_description")


@dataclass(frozen=True)
class Loaded:
    spec: SurveySpec
    #: What an import decided on its own (None for our own format).
    imported: Imported | None = None


def command_option(key: str) -> str:
    """Where `surveys load` takes a value the file lacks."""
    return "--" + key.replace("_", "-")


def load_any(path: str | Path, options: dict[str, str | None] | None = None,
             skip_unsupported: bool = False) -> Loaded:
    """Read, translate and check; DefinitionError with every problem and where it is, and nothing stored."""
    path = Path(path)
    return load_bytes(_raw(path), path.name, options, skip_unsupported)


def load_bytes(raw: bytes, name: str, options: dict[str, str | None] | None = None,
               skip_unsupported: bool = False, option_named: Callable[[str], str] = command_option) -> Loaded:
    """A file's content, by its name's suffix (an upload in the browser, a file on disk): as load_any.
    `option_named`: how the asker names the option that gives a key the file lacks (a flag, a form's box)."""
    suffix = Path(name).suffix.lower()
    imported = None
    if len(raw) > MAX_BYTES:
        raise DefinitionError([Problem(name, f"is {len(raw) / 2**20:.1f} MB; a survey definition is at most "
                                             f"{MAX_BYTES // 2**20} MB")])
    if suffix in OURS:
        try:
            data = read_definition(raw.decode("utf-8-sig"), name)
        except UnicodeDecodeError:
            raise DefinitionError([Problem(name, "is not UTF-8 text")]) from None
    elif suffix in IMPORTERS:
        imported = IMPORTERS[suffix](raw, name, skip_unsupported=skip_unsupported)
        data = imported.data
    else:
        raise DefinitionError([Problem(name, f"is not a format surveys load reads: {FORMATS}")])
    given = {key: value for key, value in (options or {}).items() if key in OPTIONS and value is not None}
    if isinstance(data, dict):
        languages = data.get("languages")
        if isinstance(languages, list) and len(languages) > 1:  # an option gives one text, for every language
            given.update({key: {language: given[key] for language in languages if isinstance(language, str)}
                          for key in TEXT_OPTIONS if key in given})
        data.update(given)  # the options win over the file
    try:
        return Loaded(check_definition(data), imported)
    except DefinitionError as exc:
        raise DefinitionError([_hinted(problem, imported, option_named) for problem in exc.problems]) from None


def _raw(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise DefinitionError([Problem(path.name, f"is {size / 2**20:.1f} MB; a survey definition is at most "
                                                      f"{MAX_BYTES // 2**20} MB")])
        return path.read_bytes()
    except OSError as exc:
        raise DefinitionError([Problem(str(path), f"cannot be read: {exc.strerror or exc}")]) from None


def _hinted(problem: Problem, imported: Imported | None, option_named: Callable[[str], str]) -> Problem:
    """A key an imported file has no place for is the command's to give."""
    if imported is not None and problem.where in OPTIONS and problem.message.startswith("is missing"):
        return Problem(problem.where, f"is missing: the file does not give it; give it with "
                                      f"{option_named(problem.where)}", problem.line)
    return problem


def export_definition(spec: SurveySpec, suffix: str, notes: list[str] | None = None) -> bytes:
    """The survey as a definition file of the format its name asks for, classification included; what the
    format could not keep is added to `notes`."""
    suffix = suffix.lower()
    if suffix in (".yaml", ".yml"):
        return yaml.safe_dump(definition_data(spec), sort_keys=False, allow_unicode=True, width=120).encode()
    if suffix == ".json":
        return (json.dumps(definition_data(spec), ensure_ascii=False, indent=2) + "\n").encode()
    if suffix == ".csv":
        if len(spec.languages) > 1 and notes is not None:
            # A data dictionary has one text per label; REDCap keeps translations apart (Multi-Language Management).
            notes.append(f"a REDCap data dictionary holds one language: its texts are in {spec.languages[0]}, and "
                         f"those in {', '.join(spec.languages[1:])} are left out")
        return write_redcap(spec).encode("utf-8")
    if suffix == ".xlsx":
        return write_xlsform(spec)
    raise DefinitionError([Problem(f"*{suffix}", f"is not a format surveys export writes: {FORMATS}")])


__all__ = ["FORMATS", "Loaded", "export_definition", "load_any", "load_bytes"]
