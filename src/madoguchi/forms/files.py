"""Reading form files (YAML or JSON) from outside without letting them blow up.

Form files travel between cities and are uploaded in the builder or given to
``madoguchi forms import``. YAML aliases make a file of a few hundred bytes expand to
megabytes (a "billion laughs" alias bomb: a 449-byte file became a 14 MB draft), deep
nesting exhausts the parser's stack, and YAML tags build values JSON cannot hold. Every
door reads files through :func:`parse_form_file`, which limits the file's size, the
number of aliases, the nesting depth and the size of the expanded document, keeps only
JSON values (dates stay text) and checks every string (:mod:`madoguchi.jp.text`).
"""

from __future__ import annotations

import json
import math
from typing import Any

import yaml
from django.utils.translation import gettext_noop

from madoguchi.core.refusals import Refused
from madoguchi.jp import text as jp_text

# The demo forms are 8–13 kB; the largest real form definition is far below this.
MAX_FILE_BYTES = 1_000_000
# Anchors let a file reuse a block (a list of options) a few times; a bomb needs many.
MAX_ALIASES = 50
MAX_DEPTH = 40
# Values (mappings, lists, scalars) after aliases are expanded: a big form has a few thousand.
MAX_VALUES = 100_000

# English msgids, translated where they are shown (the builder's import page).
TOO_LARGE = gettext_noop("The file is too large for a form definition (1 MB at most).")
TOO_MANY_ALIASES = gettext_noop(
    "The file repeats parts through YAML aliases (*name) more often than a form needs. "
    "Write the parts out instead."
)
TOO_BIG_EXPANDED = gettext_noop(
    "The file expands to more than a form definition can hold. "
    "Check it for YAML aliases that repeat large parts."
)
TOO_DEEP = gettext_noop(
    "The file is nested deeper than a form definition can be. Check its indentation."
)
NOT_JSON_VALUES = gettext_noop(
    "The file contains values other than text, numbers, true/false, lists and mappings "
    "(for example YAML tags such as !!binary or !!set). Remove them."
)
NOT_A_FILE = gettext_noop("The file is not a form file (JSON or YAML in UTF-8).")


class FormFileRefused(Refused, ValueError):
    """The file cannot be read as a form file; ``message`` says why (an English msgid)."""

    code = "form_file_unreadable"
    message: str

    def __init__(self, message: str, *, detail: str = "") -> None:
        super().__init__(message)
        # The parser's own words (line and column), for the command line.
        self.detail = detail


class _LimitedLoader(yaml.SafeLoader):
    """SafeLoader that counts aliases and depth while composing, before anything expands."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._aliases = 0
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise FormFileRefused(TOO_MANY_ALIASES)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise FormFileRefused(TOO_DEEP)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


# Dates stay text (2025-04-01 would otherwise become a datetime.date JSON cannot hold).
_LimitedLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _check_values(data: Any) -> None:
    """JSON values only, at most MAX_VALUES of them once expanded, MAX_DEPTH deep."""
    pending: list[tuple[Any, int]] = [(data, 0)]
    seen = 0
    while pending:
        value, depth = pending.pop()
        seen += 1
        if seen > MAX_VALUES:
            raise FormFileRefused(TOO_BIG_EXPANDED)
        if depth > MAX_DEPTH:
            raise FormFileRefused(TOO_DEEP)
        if isinstance(value, dict):
            if not all(isinstance(key, str) for key in value):
                raise FormFileRefused(NOT_JSON_VALUES)
            pending.extend((key, depth + 1) for key in value)
            pending.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)
        elif isinstance(value, float):
            if not math.isfinite(value):  # .nan and .inf: PostgreSQL's jsonb refuses them
                raise FormFileRefused(NOT_JSON_VALUES)
        elif isinstance(value, str):
            jp_text.check_text(value)
        elif value is not None and not isinstance(value, bool | int):
            raise FormFileRefused(NOT_JSON_VALUES)


def parse_form_file(content: bytes, *, json_only: bool = False) -> Any:
    """Parse a form file's bytes (YAML, of which JSON is a part) within the limits above.

    Raises :class:`FormFileRefused`, or InvalidJapaneseInput for a string holding a
    character that cannot be stored. ``json_only`` reads strict JSON (``.json`` files).
    """
    if len(content) > MAX_FILE_BYTES:
        raise FormFileRefused(TOO_LARGE)
    try:
        source = content.decode("utf-8")
        if json_only:
            data = json.loads(source, parse_constant=_no_constant)
        else:
            data = yaml.load(source, Loader=_LimitedLoader)  # noqa: S506 (a SafeLoader)
    except FormFileRefused:
        raise
    except (UnicodeDecodeError, ValueError, yaml.YAMLError) as error:
        raise FormFileRefused(NOT_A_FILE, detail=str(error)) from error
    except RecursionError as error:  # json nests by recursion
        raise FormFileRefused(TOO_DEEP) from error
    _check_values(data)
    return data


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
