"""The coverage rate's trend as a line chart drawn on the server (SVG, no JavaScript).

As backoffice.charts: the geometry is computed here and written as SVG attributes (the
Content-Security-Policy allows no inline style); every point carries its value as text, and
the same figures are in a table beside the chart for screen readers. Months without
receipts have no point (the line breaks there), never a 0%.

Readable on a phone (360 px wide, where the chart is drawn at about half its size and the
stylesheet enlarges its text): over more than six months only the quarters' first months
(January, April, July, October) are labelled, and a point shows its value only at those
months (at least three months before the last point) and at the last point, so no two
labels meet; every value stays in the point's title and in the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils import dateformat

from .coverage import MonthRate

WIDTH = 640
HEIGHT = 260
LEFT = 68  # the y axis (room for "100%" in the phone's larger text)
RIGHT = 620
TOP = 16
BOTTOM = 216  # the x axis (0%)
INSET = 36  # from the axes to the first and last month (room for a value's text)
TICKS = (0, 25, 50, 75, 100)
# Up to this many months every month is labelled; beyond, the quarters' first months.
ALL_MONTHS_UP_TO = 6
QUARTER_STARTS = frozenset({1, 4, 7, 10})
# A value shown before the last point is at least this many months before it.
VALUE_GAP = 3


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str  # "2025-04: 52.3%"
    value: str  # "52.3%"
    value_y: float
    show_value: bool = True  # written beside the point (else in its title and the table)


@dataclass(frozen=True)
class MonthTick:
    x: float
    label: str


@dataclass(frozen=True)
class LevelTick:
    y: float
    text_y: float
    label: str


@dataclass(frozen=True)
class LineChart:
    points: list[Point]
    # Runs of consecutive months with a rate, each one polyline ("x,y x,y …").
    lines: list[str]
    months: list[MonthTick]
    levels: list[LevelTick]
    target_y: float | None
    target_text_y: float | None
    target_label: str
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = RIGHT
    top: int = TOP
    bottom: int = BOTTOM
    month_text_y: int = BOTTOM + 18


def _y(percent: Decimal) -> float:
    return round(BOTTOM - (BOTTOM - TOP) * float(percent) / 100, 1)


def labelled(series: Sequence[MonthRate]) -> list[bool]:
    """Which months get a label on the x axis: all of a short series, else quarter starts."""
    if len(series) <= ALL_MONTHS_UP_TO:
        return [True] * len(series)
    return [month_rate.month.month in QUARTER_STARTS for month_rate in series]


def line_chart(
    series: Sequence[MonthRate], *, target: Decimal | None = None, target_label: str = ""
) -> LineChart:
    count = max(len(series), 1)
    step = (RIGHT - LEFT - 2 * INSET) / max(count - 1, 1)
    with_label = labelled(series)
    rated = [i for i, m in enumerate(series) if m.rate.percent is not None]
    last_point = rated[-1] if rated else -1
    points: list[Point] = []
    lines: list[str] = []
    run: list[str] = []
    months = []
    for index, month_rate in enumerate(series):
        x = round(LEFT + INSET + step * index, 1)
        if with_label[index]:
            months.append(MonthTick(x=x, label=dateformat.format(month_rate.month, "M")))
        percent = month_rate.rate.percent
        if percent is None:
            if len(run) > 1:
                lines.append(" ".join(run))
            run = []
            continue
        y = _y(percent)
        run.append(f"{x},{y}")
        show = index == last_point or (
            with_label[index]
            and (len(series) <= ALL_MONTHS_UP_TO or index <= last_point - VALUE_GAP)
        )
        points.append(
            Point(
                x=x,
                y=y,
                label=f"{month_rate.month:%Y-%m}: {percent}%",
                value=f"{percent}%",
                value_y=y - 10 if y > TOP + 24 else y + 26,
                show_value=show,
            )
        )
    if len(run) > 1:
        lines.append(" ".join(run))
    levels = [LevelTick(y=_y(Decimal(v)), text_y=_y(Decimal(v)) + 4, label=f"{v}%") for v in TICKS]
    return LineChart(
        points=points,
        lines=lines,
        months=months,
        levels=levels,
        target_y=_y(target) if target is not None else None,
        target_text_y=_y(target) - 4 if target is not None else None,
        target_label=target_label,
    )
