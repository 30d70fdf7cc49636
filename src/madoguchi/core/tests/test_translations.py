"""Japanese is the first language: every user-facing string must have its translation."""

from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from madoguchi.testing.servers import require_binary

PACKAGE = Path(__file__).resolve().parents[2]


def _untranslated(po_text: str) -> list[str]:
    missing = []
    for block in po_text.split("\n\n"):
        if "msgid " not in block or 'msgid ""\nmsgstr ""\n"Project-Id' in block:
            continue
        if re.search(r"^#~ msgid ", block, flags=re.M):
            continue  # obsolete: makemessages keeps strings the code no longer uses
        if "#, fuzzy" in block:
            missing.append(block)
            continue
        translations = re.findall(r'^msgstr(?:\[\d+\])? ((?:".*"\n?)+)', block, flags=re.M)
        if not translations or any(t.replace('"', "").strip() == "" for t in translations):
            missing.append(block)
    return missing


def test_every_user_facing_string_has_a_japanese_translation(tmp_path: Path) -> None:
    require_binary("xgettext", package="gettext")
    copy = tmp_path / "madoguchi"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "tests"))

    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "ja", "--no-location"],
        cwd=copy,
        check=True,
        capture_output=True,
        # Import the copy, so that its LOCALE_PATHS (not the real catalogue) are written to.
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "madoguchi.settings.test",
            "PYTHONPATH": str(tmp_path),
        },
    )

    po = (copy / "locale" / "ja" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    missing = _untranslated(po)
    assert not missing, "untranslated (run `make messages` and translate):\n\n" + "\n\n".join(
        missing
    )


def test_the_compiled_catalogue_matches_the_translations(tmp_path: Path) -> None:
    require_binary("msgfmt", package="gettext")
    messages = PACKAGE / "locale" / "ja" / "LC_MESSAGES"
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "-o", str(fresh), str(messages / "django.po")], check=True)

    with (messages / "django.mo").open("rb") as shipped, fresh.open("rb") as compiled:
        shipped_catalog = gettext.GNUTranslations(shipped)._catalog  # type: ignore[attr-defined]
        compiled_catalog = gettext.GNUTranslations(compiled)._catalog  # type: ignore[attr-defined]

    assert shipped_catalog == compiled_catalog, "run `make messages` to recompile django.mo"


def test_an_empty_translation_is_reported() -> None:
    po = 'msgid "Next"\nmsgstr ""\n\nmsgid "Back"\nmsgstr "戻る"\n'

    assert _untranslated(po) == ['msgid "Next"\nmsgstr ""']
