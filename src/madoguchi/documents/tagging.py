"""Tagged PDF for the receipt: marked content while reportlab draws, the structure tree after.

reportlab (5.1) writes ``/Lang`` and the document information but no logical structure:
it has no marked-content operators and no structure tree (its catalog only reserves the
``StructTreeRoot`` and ``MarkInfo`` names). So the receipt is tagged in two steps:

1. While drawing, :class:`TaggedParagraph` and :class:`Figure` wrap what they draw in
   ``/P <</MCID n>> BDC … EMC`` (``H1``/``H2`` for headings, ``Figure`` with ``/Alt`` for the
   QR code), and table rules, backgrounds, the page footer and page numbers are marked
   ``/Artifact``. The content streams are drawn in reading order, so the order in which
   marks are made is the logical reading order.
2. :func:`add_structure` then writes, as an incremental update with pyhanko (already used to
   seal), a ``/StructTreeRoot`` with one ``Document`` element holding the marked elements in
   that order, the ``/ParentTree`` that maps each page's marks back to them,
   ``/StructParents`` on every page, ``/MarkInfo << /Marked true >>`` and
   ``/ViewerPreferences << /DisplayDocTitle true >>`` so readers show the title, not the file name.

This is not PDF/UA (tables are read cell by cell as paragraphs, not as TH/TD), but screen
readers get the text in order, in the right language, with headings and the QR code described.
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

__all__ = ["ROLES", "Figure", "TaggedParagraph", "TaggedTable", "Tags", "add_structure"]

# Paragraph style name → structure type; anything else is a paragraph.
ROLES = {"title": "H1", "heading": "H2", "auditors": "H2"}


@dataclass(frozen=True)
class Mark:
    page: int  # 0-based
    mcid: int
    role: str
    alt: str | None = None


@dataclass
class Tags:
    """The marks made while one document is drawn, in drawing (reading) order."""

    marks: list[Mark] = field(default_factory=list)
    _next: dict[int, int] = field(default_factory=dict)

    def begin(self, canvas: Canvas, role: str, alt: str | None = None) -> None:
        page = canvas.getPageNumber() - 1
        mcid = self._next.get(page, 0)
        self._next[page] = mcid + 1
        self.marks.append(Mark(page, mcid, role, alt))
        canvas._code.append(f"/{role} <</MCID {mcid}>> BDC")

    @staticmethod
    def end(canvas: Canvas) -> None:
        canvas._code.append("EMC")


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


class Figure:
    """Mixin for flowables that are pictures: marked as a Figure with alternative text."""

    alt: str = ""

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:
        with marked(canvas, "Figure", self.alt):
            super().drawOn(canvas, x, y, _sW)  # type: ignore[misc]


def add_structure(data: bytes, tags: Tags) -> bytes:
    """The PDF with its structure tree, MarkInfo and title display added (incremental update)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    root = writer.root
    count = int(writer.root["/Pages"]["/Count"])
    page_refs = [writer.find_page_for_modification(i)[0] for i in range(count)]
    pages = [(ref.get_object(), ref) for ref in page_refs]
    tree_root = generic.DictionaryObject(
        {generic.NameObject("/Type"): generic.NameObject("/StructTreeRoot")}
    )
    tree_root_ref = writer.add_object(tree_root)
    document = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/StructElem"),
            generic.NameObject("/S"): generic.NameObject("/Document"),
            generic.NameObject("/P"): tree_root_ref,
        }
    )
    document_ref = writer.add_object(document)
    kids = generic.ArrayObject()
    per_page: dict[int, list[Any]] = {i: [] for i in range(len(pages))}
    for mark in tags.marks:
        _page, page_ref = pages[mark.page]
        element: dict[generic.NameObject, Any] = {
            generic.NameObject("/Type"): generic.NameObject("/StructElem"),
            generic.NameObject("/S"): generic.NameObject(f"/{mark.role}"),
            generic.NameObject("/P"): document_ref,
            generic.NameObject("/Pg"): page_ref,
            generic.NameObject("/K"): generic.NumberObject(mark.mcid),
        }
        if mark.alt:
            element[generic.NameObject("/Alt")] = generic.TextStringObject(mark.alt)
        element_ref = writer.add_object(generic.DictionaryObject(element))
        kids.append(element_ref)
        per_page[mark.page].append(element_ref)
    document[generic.NameObject("/K")] = kids
    nums = generic.ArrayObject()
    for index, (page_dict, _ref) in enumerate(pages):
        page_dict[generic.NameObject("/StructParents")] = generic.NumberObject(index)
        page_dict[generic.NameObject("/Tabs")] = generic.NameObject("/S")
        writer.update_container(page_dict)
        nums.append(generic.NumberObject(index))
        nums.append(writer.add_object(generic.ArrayObject(per_page[index])))
    tree_root[generic.NameObject("/K")] = document_ref
    tree_root[generic.NameObject("/ParentTree")] = writer.add_object(
        generic.DictionaryObject({generic.NameObject("/Nums"): nums})
    )
    tree_root[generic.NameObject("/ParentTreeNextKey")] = generic.NumberObject(len(pages))
    root[generic.NameObject("/StructTreeRoot")] = tree_root_ref
    root[generic.NameObject("/MarkInfo")] = generic.DictionaryObject(
        {generic.NameObject("/Marked"): generic.BooleanObject(True)}
    )
    root[generic.NameObject("/ViewerPreferences")] = generic.DictionaryObject(
        {generic.NameObject("/DisplayDocTitle"): generic.BooleanObject(True)}
    )
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
