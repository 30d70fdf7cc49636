"""Bar charts as SVG drawn on the server: labelled bars, values at their ends, an axis.

No JavaScript and no inline styles (the Content-Security-Policy allows neither): the
geometry is computed here and written as SVG attributes. The same figures are in a table
under each chart, which is what screen readers and the CSV use.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .aggregation import Bar

# Geometry in SVG user units (the chart scales to its box, keeping its proportions).
WIDTH = 640
LABEL_END = 188  # labels are right-aligned here
BAR_START = 196
BAR_AREA = 380
ROW = 28
BAR_HEIGHT = 16
LABEL_CHARACTERS = 14


@dataclass(frozen=True)
class ChartBar:
    label: str
    short_label: str
    count: int
    y: int
    text_y: int
    length: float
    value_x: float


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class BarChart:
    bars: list[ChartBar]
    ticks: list[Tick]
    axis_y: int
    tick_text_y: int
    height: int
    width: int = WIDTH
    label_end: int = LABEL_END
    bar_start: int = BAR_START
    bar_end: int = BAR_START + BAR_AREA
    bar_height: int = BAR_HEIGHT


def nice_maximum(top: int) -> int:
    """The axis end: the smallest 1, 2 or 5 × 10ⁿ at or above the largest count."""
    if top <= 0:
        return 1
    power = 10 ** math.floor(math.log10(top))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= top)


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARACTERS else label[: LABEL_CHARACTERS - 1] + "…"


def bar_chart(bars: Sequence[Bar]) -> BarChart:
    maximum = nice_maximum(max((b.count for b in bars), default=0))
    drawn = []
    for row, bar in enumerate(bars):
        length = round(BAR_AREA * bar.count / maximum, 1)
        drawn.append(
            ChartBar(
                label=bar.label or "—",
                short_label=_short(bar.label or "—"),
                count=bar.count,
                y=row * ROW + 6,
                text_y=row * ROW + 19,
                length=length,
                value_x=BAR_START + length + 6,
            )
        )
    values = [0, maximum // 2, maximum] if maximum % 2 == 0 else [0, maximum]
    ticks = [Tick(x=BAR_START + BAR_AREA * v / maximum, label=str(v)) for v in values]
    axis_y = len(drawn) * ROW + 4
    return BarChart(
        bars=drawn, ticks=ticks, axis_y=axis_y, tick_text_y=axis_y + 16, height=axis_y + 24
    )
