"""Reading a definition file, YAML or JSON, keeping the line of every key and item for the checker."""
from __future__ import annotations

import json
import re
from typing import Any

import yaml

from .spec import DefinitionError, Problem


class _Mapping(dict):
    line: int | None = None
    lines: dict
    duplicates: list


class _Sequence(list):
    lines: list


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps line numbers, reports duplicate keys, reads only
    true/false as booleans (YAML 1.2) so `choices: [yes, no]` stays text, and leaves
    dates as text for the checker (PyYAML raises on an impossible date like 2020-02-30)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> _Mapping:
    loader.flatten_mapping(node)
    result = _Mapping()
    result.line, result.lines, result.duplicates = node.start_mark.line + 1, {}, []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            key = str(key)
        if key in result:
            result.duplicates.append((key, key_node.start_mark.line + 1))
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> _Sequence:
    result = _Sequence(loader.construct_object(child, deep=True) for child in node.value)
    result.lines = [child.start_mark.line + 1 for child in node.value]
    return result


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int | str:
    # YAML 1.1 reads 10:30 as the base-60 number 630; a time is meant (YAML 1.2 has no base 60).
    if ":" in node.value:
        return node.value
    # int() refuses more than 4300 digits with a ValueError no YAML error catches; such a number
    # is past every bound, so it stays text and the checker says where it is.
    try:
        return loader.construct_yaml_int(node)
    except ValueError:
        return node.value


def _json_int(text: str) -> int | str:
    try:
        return int(text)
    except ValueError:  # past 4300 digits: as _construct_int
        return text


def _construct_float(loader: _Loader, node: yaml.ScalarNode) -> float | str:
    return node.value if ":" in node.value else loader.construct_yaml_float(node)


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


def _json_object(pairs: list[tuple[str, Any]]) -> _Mapping:
    result = _Mapping()
    result.lines, result.duplicates = {}, []
    for key, value in pairs:
        if key in result:
            result.duplicates.append((key, None))
        result[key] = value
    return result


def _read(text: str, filename: str) -> Any:
    try:
        return _parse(text, filename)
    except RecursionError:
        raise DefinitionError([Problem("file", "is nested too deeply to be a survey definition")]) from None


def _parse(text: str, filename: str) -> Any:
    if filename.lower().endswith(".json"):
        try:
            return json.loads(text, object_pairs_hook=_json_object, parse_int=_json_int)
        except json.JSONDecodeError as exc:
            raise DefinitionError([Problem("file", f"not valid JSON: {exc.msg}", exc.lineno)]) from None
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 — _Loader is a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc)
        raise DefinitionError([Problem("file", f"not valid YAML: {reason}",
                                       mark.line + 1 if mark else None)]) from None



def line_of(container: Any, key: Any) -> int | None:
    lines = getattr(container, "lines", None)
    if isinstance(lines, dict):
        return lines.get(key)
    if isinstance(lines, list) and isinstance(key, int) and key < len(lines):
        return lines[key]
    return None
