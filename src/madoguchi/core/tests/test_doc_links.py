"""README.md and docs/ link only to files that are in the repository.

A reader of a clone or of the published repository has nothing outside it, so a link that
leaves the repository (``../shared/...``) or names a file that is gone is a broken page.
"""

from __future__ import annotations

import re
from pathlib import Path

import madoguchi

ROOT = Path(madoguchi.__file__).resolve().parent.parent.parent
# [text](target) and the `../` paths written in backticks, outside code blocks.
LINK = re.compile(r"\]\(([^)\s]+)\)")
OUTSIDE = re.compile(r"`(\.\./[^`]+)`")


def _pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _broken(page: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.DOTALL)
    problems = [
        f"{page.name}: {target} is outside the repository" for target in OUTSIDE.findall(text)
    ]
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue  # a web address, mail address or an anchor on the same page
        path = (page.parent / target.split("#")[0]).resolve()
        if not path.is_relative_to(ROOT):
            problems.append(f"{page.name}: {target} is outside the repository")
        elif not path.exists():
            problems.append(f"{page.name}: {target} does not exist")
    return problems


def test_readme_and_docs_link_only_to_files_in_the_repository() -> None:
    problems = [problem for page in _pages() for problem in _broken(page)]
    assert not problems, "\n".join(problems)


def test_the_readme_links_the_architecture_page() -> None:
    assert "(docs/architecture.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
