"""Tagged PDF for the receipt: marked content while reportlab draws, the structure tree after.

reportlab (5.1) writes ``/Lang`` and the document information but no logical structure:
it has no marked-content operators and no structure tree (its catalog only reserves the
``StructTreeRoot`` and ``MarkInfo`` names). So the receipt is tagged in two steps:

1. While drawing, :class:`TaggedParagraph` and :class:`Figure` wrap what they draw in
   ``/P <</MCID n>> BDC … EMC`` (``H1``/``H2`` for headings, ``Figure`` with ``/Alt`` for the
   QR code), and table rules, backgrounds, the page footer and page numbers are marked
   ``/Artifact``. Data tables report their rows and cells through reportlab's table render
   callback (:func:`table_structure`), which opens ``Table``/``TR``/``TH``/``TD`` elements
   around the cells' paragraphs; layout tables (the header) add no structure. The content
   streams are drawn in reading order, so the order of the marks is the reading order.
2. :func:`add_structure` then writes, as an incremental update with pyhanko (already used to
   seal), a ``/StructTreeRoot`` with one ``Document`` element holding that tree, the
   ``/ParentTree`` that maps each page's marks back to their elements,
   ``/StructParents`` on every page, ``/MarkInfo << /Marked true >>`` and
   ``/ViewerPreferences << /DisplayDocTitle true >>`` so readers show the title, not the file name.

This is not a PDF/UA claim (no validator runs here), but screen readers get the text in
order, in the right language, with headings, table headers and the QR code described.
"""

from __future__ import annotations

import contextvars
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, Table

__all__ = [
    "ROLES",
    "Figure",
    "TaggedParagraph",
    "TaggedTable",
    "Tags",
    "add_structure",
    "table_structure",
]

# Paragraph style name → structure type; anything else is a paragraph.
ROLES = {"title": "H1", "heading": "H2", "auditors": "H2"}


@dataclass(frozen=True)
class Mark:
    """One marked-content sequence: a leaf of the structure tree."""

    page: int  # 0-based
    mcid: int
    role: str
    alt: str | None = None


@dataclass
class Node:
    """A structure element that groups others (Document, Table, TR, TH, TD)."""

    role: str
    scope: str | None = None  # for TH: /Row or /Column
    children: list[Node | Mark] = field(default_factory=list)


@dataclass
class Tags:
    """The structure made while one document is drawn, in drawing (reading) order."""

    root: Node = field(default_factory=lambda: Node("Document"))
    _open: list[Node] = field(default_factory=list)
    _next: dict[int, int] = field(default_factory=dict)

    def begin(self, canvas: Canvas, role: str, alt: str | None = None) -> None:
        page = canvas.getPageNumber() - 1
        mcid = self._next.get(page, 0)
        self._next[page] = mcid + 1
        self._parent().children.append(Mark(page, mcid, role, alt))
        canvas._code.append(f"/{role} <</MCID {mcid}>> BDC")

    @staticmethod
    def end(canvas: Canvas) -> None:
        canvas._code.append("EMC")

    def open(self, role: str, scope: str | None = None) -> None:
        node = Node(role, scope)
        self._parent().children.append(node)
        self._open.append(node)

    def close(self) -> None:
        if self._open:
            self._open.pop()

    def _parent(self) -> Node:
        return self._open[-1] if self._open else self.root

    @property
    def marks(self) -> list[Mark]:
        found: list[Mark] = []

        def walk(node: Node) -> None:
            for child in node.children:
                if isinstance(child, Mark):
                    found.append(child)
                else:
                    walk(child)

        walk(self.root)
        return found


_current: contextvars.ContextVar[Tags | None] = contextvars.ContextVar("tags", default=None)


@contextmanager
def collecting() -> Iterator[Tags]:
    tags = Tags()
    token = _current.set(tags)
    try:
        yield tags
    finally:
        _current.reset(token)


@contextmanager
def artifact(canvas: Canvas) -> Iterator[None]:
    """Decoration (rules, backgrounds, running footer): not part of the text."""
    canvas._code.append("/Artifact BMC")
    try:
        yield
    finally:
        canvas._code.append("EMC")


@contextmanager
def marked(canvas: Canvas, role: str, alt: str | None = None) -> Iterator[None]:
    tags = _current.get()
    if tags is None:
        yield
        return
    tags.begin(canvas, role, alt)
    try:
        yield
    finally:
        tags.end(canvas)


class TaggedParagraph(Paragraph):
    """A paragraph marked as H1, H2 or P (from its style's name) when drawn."""

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:
        with marked(canvas, ROLES.get(self.style.name, "P")):
            super().drawOn(canvas, x, y, _sW)


class TaggedTable(Table):
    """A table whose rules and backgrounds are artifacts; its cells tag themselves."""

    def _drawBkgrnd(self) -> None:
        with artifact(self.canv):
            super()._drawBkgrnd()

    def _drawLines(self) -> None:
        with artifact(self.canv):
            super()._drawLines()


def table_structure(*, header_rows: int = 0, header_cols: int = 0) -> Any:
    """A reportlab ``renderCB`` that opens Table/TR/TH/TD around a data table's cells.

    Cells in the first ``header_rows`` rows are column headers, those in the first
    ``header_cols`` columns row headers (a label beside its value). The callback is kept
    when reportlab splits the table across pages, so each part is a table of its own.
    """

    def callback(_table: Table, event: str, *args: Any) -> None:
        tags = _current.get()
        if tags is None:
            return
        if event == "startTable":
            tags.open("Table")
        elif event == "startRow":
            tags.open("TR")
        elif event == "startCell":
            row, column = args[0], args[1]
            if row < header_rows:
                tags.open("TH", "Column")
            elif column < header_cols:
                tags.open("TH", "Row")
            else:
                tags.open("TD")
        elif event in {"endCell", "endRow", "endTable"}:
            tags.close()

    return callback


class Figure:
    """Mixin for flowables that are pictures: marked as a Figure with alternative text."""

    alt: str = ""

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:
        with marked(canvas, "Figure", self.alt):
            super().drawOn(canvas, x, y, _sW)  # type: ignore[misc]


def _name(value: str) -> generic.NameObject:
    return generic.NameObject(f"/{value}")


def add_structure(data: bytes, tags: Tags) -> bytes:
    """The PDF with its structure tree, MarkInfo and title display added (incremental update)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    root = writer.root
    count = int(writer.root["/Pages"]["/Count"])
    page_refs = [writer.find_page_for_modification(i)[0] for i in range(count)]
    tree_root = generic.DictionaryObject({_name("Type"): _name("StructTreeRoot")})
    tree_root_ref = writer.add_object(tree_root)
    per_page: dict[int, list[Any]] = {i: [] for i in range(count)}

    def element(role: str, parent: Any) -> tuple[generic.DictionaryObject, Any]:
        made = generic.DictionaryObject(
            {_name("Type"): _name("StructElem"), _name("S"): _name(role), _name("P"): parent}
        )
        return made, writer.add_object(made)

    def build(node: Node, parent: Any) -> Any | None:
        made, ref = element(node.role, parent)
        if node.scope:
            made[_name("A")] = generic.DictionaryObject(
                {_name("O"): _name("Table"), _name("Scope"): _name(node.scope)}
            )
        kids = generic.ArrayObject()
        for child in node.children:
            if isinstance(child, Mark):
                leaf, leaf_ref = element(child.role, ref)
                leaf[_name("Pg")] = page_refs[child.page]
                leaf[_name("K")] = generic.NumberObject(child.mcid)
                if child.alt:
                    leaf[_name("Alt")] = generic.TextStringObject(child.alt)
                per_page[child.page].append((child.mcid, leaf_ref))
                kids.append(leaf_ref)
            elif (kid := build(child, ref)) is not None:
                kids.append(kid)
        if not kids and node.role != "Document":
            return None  # an empty cell or table: nothing to read
        made[_name("K")] = kids
        return ref

    tree_root[_name("K")] = build(tags.root, tree_root_ref)
    nums = generic.ArrayObject()
    for index, page_ref in enumerate(page_refs):
        page = page_ref.get_object()
        page[_name("StructParents")] = generic.NumberObject(index)
        page[_name("Tabs")] = _name("S")
        writer.update_container(page)
        in_order = [ref for _mcid, ref in sorted(per_page[index], key=lambda item: item[0])]
        nums.append(generic.NumberObject(index))
        nums.append(writer.add_object(generic.ArrayObject(in_order)))
    tree_root[_name("ParentTree")] = writer.add_object(
        generic.DictionaryObject({_name("Nums"): nums})
    )
    tree_root[_name("ParentTreeNextKey")] = generic.NumberObject(count)
    root[_name("StructTreeRoot")] = tree_root_ref
    root[_name("MarkInfo")] = generic.DictionaryObject(
        {_name("Marked"): generic.BooleanObject(True)}
    )
    root[_name("ViewerPreferences")] = generic.DictionaryObject(
        {_name("DisplayDocTitle"): generic.BooleanObject(True)}
    )
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
