"""The documented dependency order between apps, checked over the source of every module.

An app may import only from apps in LOWER layers: never from a sibling on its own layer, never
from a higher one. Function-level imports and imports under TYPE_CHECKING count (they couple
the apps just the same); relative imports are resolved. Reversing a URL name or naming an app
by dotted string in settings is not an import and is not checked.

LAYERS is the one declaration of the order; docs/architecture.md shows the same order and a
test below keeps the two equal. tests/ directories, migrations, conftest.py files and the test
helpers (madoguchi.testing, madoguchi.e2e) are exempt: tests may reach anywhere.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import madoguchi

# Lowest first. Apps on one line are siblings: neither may import the other.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("settings",),
    ("jp",),
    ("tenants",),
    ("core",),
    ("forms",),
    ("identity", "ledger"),
    ("submissions",),
    ("signatures",),
    ("documents",),
    ("payments",),
    ("backoffice", "exports", "mailin"),
    ("counter",),
    ("reservations", "guide", "catalog"),
    ("api",),
    ("integrations",),
    # Development and test only, never imported by production code (and never by each other
    # the wrong way: the demo loader may use a simulator, not the reverse).
    ("simulators",),
    ("demo",),
)

# Loaded only by development and test settings: no production module may import them.
DEVELOPMENT_ONLY = frozenset({"simulators", "demo"})
# Test helpers: no production module may import them; they may import anything.
TEST_ONLY = frozenset({"testing", "e2e"})
# Modules directly under src/madoguchi that wire the apps together (root URLconf, the
# `madoguchi` command, WSGI): outside the order, but still held to the two rules above.
ROOT_MODULES = frozenset({"__init__", "urls", "cli", "wsgi", "conftest"})
# Directories under src/madoguchi that hold no Python app.
NOT_APPS = frozenset({"locale", "static", "templates"})

PACKAGE_DIR = Path(madoguchi.__file__).resolve().parent
DOC = PACKAGE_DIR.parent.parent / "docs" / "architecture.md"

LAYER_OF = {app: number for number, layer in enumerate(LAYERS) for app in layer}


@dataclass(frozen=True)
class Edge:
    """One import of another app's module, with where it is written."""

    source: str
    target: str
    path: Path
    line: int

    def where(self) -> str:
        return f"{self.path.relative_to(PACKAGE_DIR.parent.parent)}:{self.line}"


def _module_name(path: Path) -> tuple[str, ...]:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return parts[:-1] if parts[-1] == "__init__" else parts


def _is_production(path: Path) -> bool:
    parts = path.relative_to(PACKAGE_DIR).parts
    if path.name == "conftest.py" or "tests" in parts or "migrations" in parts:
        return False
    return not (len(parts) > 1 and parts[0] in TEST_ONLY)


def _app_of(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR).parts
    return path.stem if len(parts) == 1 else parts[0]


def imported_modules(path: Path, source: str) -> Iterator[tuple[str, int]]:
    """Every absolute module name the module at `path` imports, with its line.

    A name imported from a package counts as a module (`from madoguchi import forms` imports
    the app forms); relative imports are resolved against the module's package.
    """
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name[:-1]
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join(base + ((node.module,) if node.module else ()))
            else:
                module = node.module or ""
            for alias in node.names:
                yield f"{module}.{alias.name}", node.lineno


def _is_module(name: str) -> bool:
    return (PACKAGE_DIR / name).is_dir() or (PACKAGE_DIR / f"{name}.py").is_file()


def production_edges() -> list[Edge]:
    """Every import from one app (or root module) of another app, in production code."""
    edges = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        if not _is_production(path):
            continue
        source = _app_of(path)
        for module, line in imported_modules(path, path.read_text(encoding="utf-8")):
            parts = module.split(".")
            if parts[0] != "madoguchi" or len(parts) < 2 or parts[1] == source:
                continue
            if not _is_module(parts[1]):
                continue  # a name defined in madoguchi/__init__.py, such as __version__
            edges.append(Edge(source, parts[1], path, line))
    return edges


def violation(edge: Edge) -> str | None:
    """Why this import breaks the order, or None if it keeps it."""
    arrow = f"{edge.where()}: {edge.source} → {edge.target}"
    if edge.target in TEST_ONLY:
        return f"{arrow}: production code never imports the test helpers"
    if edge.target in DEVELOPMENT_ONLY and edge.source not in DEVELOPMENT_ONLY:
        return f"{arrow}: production code never imports a simulator or the demo loader"
    if edge.target in ROOT_MODULES:
        return f"{arrow}: apps never import the root modules (urls, cli, wsgi)"
    if edge.target not in LAYER_OF:
        return f"{arrow}: {edge.target} is not placed in LAYERS"
    if edge.source in ROOT_MODULES:
        return None
    if edge.source not in LAYER_OF:
        return f"{arrow}: {edge.source} is not placed in LAYERS"
    source_layer, target_layer = LAYER_OF[edge.source], LAYER_OF[edge.target]
    if target_layer == source_layer:
        return f"{arrow}: siblings on one layer never import each other"
    if target_layer > source_layer:
        return f"{arrow}: {edge.target} is in a higher layer than {edge.source}"
    return None


def app_cycles(edges: list[Edge]) -> list[list[str]]:
    """Groups of apps that import each other, directly or through others (Tarjan)."""
    graph: dict[str, set[str]] = {}
    for edge in edges:
        if edge.source not in ROOT_MODULES:
            graph.setdefault(edge.source, set()).add(edge.target)
            graph.setdefault(edge.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(app: str) -> None:
        index[app] = low[app] = len(index)
        stack.append(app)
        on_stack.add(app)
        for target in sorted(graph[app]):
            if target not in index:
                visit(target)
                low[app] = min(low[app], low[target])
            elif target in on_stack:
                low[app] = min(low[app], index[target])
        if low[app] == index[app]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == app:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for app in sorted(graph):
        if app not in index:
            visit(app)
    return cycles


def test_production_code_imports_only_from_lower_layers() -> None:
    problems = [found for edge in production_edges() if (found := violation(edge))]
    assert not problems, "Imports against the order in core/tests/test_architecture.py:\n" + (
        "\n".join(problems)
    )


def test_no_two_apps_import_each_other_even_through_others() -> None:
    edges = production_edges()
    described = []
    for group in app_cycles(edges):
        inside = [e for e in edges if e.source in group and e.target in group]
        # The arrows against the order close the loop: name those (all, if none is).
        closing = [e for e in inside if violation(e)] or inside
        first: dict[tuple[str, str], Edge] = {}
        for edge in closing:
            first.setdefault((edge.source, edge.target), edge)
        arrows = [f"  {a} → {b} (first at {e.where()})" for (a, b), e in sorted(first.items())]
        described.append("cycle between " + ", ".join(group) + ":\n" + "\n".join(arrows))
    assert not described, "\n".join(described)


def test_every_app_directory_is_placed_in_the_order() -> None:
    directories = {
        path.name
        for path in PACKAGE_DIR.iterdir()
        if path.is_dir() and not path.name.startswith(("_", "."))
    }
    unplaced = directories - set(LAYER_OF) - TEST_ONLY - NOT_APPS
    assert not unplaced, f"Place these apps in LAYERS (and docs/architecture.md): {unplaced}"
    missing = set(LAYER_OF) - directories
    assert not missing, f"LAYERS names apps that do not exist: {missing}"


def documented_layers(text: str) -> tuple[tuple[str, ...], ...]:
    """The layers of the diagram after the <!-- layers --> marker, lowest first.

    The diagram lists the highest layer first, one layer a line, siblings separated by "|";
    anything in parentheses is a remark.
    """
    match = re.search(r"<!-- layers -->\s*```text\n(.*?)```", text, re.DOTALL)
    assert match, "docs/architecture.md has no ```text diagram after <!-- layers -->"
    layers = []
    for line in match.group(1).splitlines():
        names = [name.strip() for name in re.sub(r"\([^)]*\)", "", line).split("|")]
        if any(names):
            layers.append(tuple(name for name in names if name))
    return tuple(reversed(layers))


def test_the_architecture_doc_shows_the_same_order() -> None:
    assert documented_layers(DOC.read_text(encoding="utf-8")) == LAYERS


def test_the_doc_diagram_is_read_highest_layer_first_with_siblings_and_remarks() -> None:
    text = "<!-- layers -->\n```text\ndemo   (dev only)\nb | c\na\n```\n"
    assert documented_layers(text) == (("a",), ("b", "c"), ("demo",))


def test_the_check_sees_function_level_relative_and_package_imports() -> None:
    path = PACKAGE_DIR / "forms" / "builder" / "example.py"
    source = (
        "import json\n"
        "def f() -> None:\n"
        "    from madoguchi.backoffice import views\n"
        "from ...submissions import models\n"
        "from ... import demo\n"
        "from . import fields\n"
    )
    found = sorted(imported_modules(path, source), key=lambda item: item[1])
    assert found == [
        ("json", 1),
        ("madoguchi.backoffice.views", 3),
        ("madoguchi.submissions.models", 4),
        ("madoguchi.demo", 5),
        ("madoguchi.forms.builder.fields", 6),
    ]
    reasons = [
        violation(Edge("forms", module.split(".")[1], path, line)) for module, line in found[1:4]
    ]
    assert reasons == [
        "src/madoguchi/forms/builder/example.py:3: forms → backoffice: "
        "backoffice is in a higher layer than forms",
        "src/madoguchi/forms/builder/example.py:4: forms → submissions: "
        "submissions is in a higher layer than forms",
        "src/madoguchi/forms/builder/example.py:5: forms → demo: "
        "production code never imports a simulator or the demo loader",
    ]


def test_siblings_and_cycles_are_caught() -> None:
    path = PACKAGE_DIR / "exports" / "example.py"
    assert violation(Edge("exports", "backoffice", path, 1)) == (
        "src/madoguchi/exports/example.py:1: exports → backoffice: "
        "siblings on one layer never import each other"
    )
    assert violation(Edge("exports", "submissions", path, 1)) is None
    edges = [
        Edge("forms", "submissions", path, 1),
        Edge("submissions", "identity", path, 2),
        Edge("identity", "forms", path, 3),
        Edge("identity", "core", path, 4),
    ]
    assert app_cycles(edges) == [["forms", "identity", "submissions"]]
