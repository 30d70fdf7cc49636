"""Every refusal class has its own stable snake_case code, and docs/api.md lists them all."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import madoguchi
from madoguchi.core.refusals import CODE_PATTERN, CODES, Refused

DOCS = Path(__file__).resolve().parents[4] / "docs" / "api.md"
# Modules that are not production code, or that do something when imported.
SKIPPED = re.compile(r"\.(tests|e2e|migrations|settings|wsgi|conftest)(\.|$)")


def _import_all() -> None:
    for module in pkgutil.walk_packages(madoguchi.__path__, "madoguchi."):
        if not SKIPPED.search(module.name):
            importlib.import_module(module.name)


def _production_codes() -> dict[str, type[Refused]]:
    _import_all()
    return {
        code: owner
        for code, owner in CODES.items()
        if not SKIPPED.search(owner.__module__) and not owner.__module__.startswith("__")
    }


def documented_refusal_codes() -> set[str]:
    """The codes in docs/api.md's table of refusals ("| refusal code | raised by | ...")."""
    text = DOCS.read_text(encoding="utf-8")
    table = text[text.index("| refusal code |") :].split("\n\n", 1)[0]
    return set(re.findall(r"^\| `([a-z0-9_]+)` \|", table, re.MULTILINE))


def test_every_refusal_code_is_snake_case_and_owned_by_one_class() -> None:
    codes = _production_codes()

    assert all(CODE_PATTERN.fullmatch(code) for code in codes)
    # One class per code is enforced when a class is defined; here: every subclass has one.
    subclasses: list[type[Refused]] = []
    pending = [Refused]
    while pending:
        cls = pending.pop()
        subclasses.append(cls)
        pending.extend(cls.__subclasses__())
    for cls in subclasses:
        if not SKIPPED.search(cls.__module__) and not cls.__module__.startswith("__"):
            assert codes.get(cls.code) is cls or cls.abstract, cls


def test_docs_list_exactly_the_refusal_codes_of_the_code() -> None:
    assert documented_refusal_codes() == set(_production_codes())
