"""The coverage rate's trend as a line chart drawn on the server (SVG, no JavaScript).

As backoffice.charts: the geometry is computed here and written as SVG attributes (the
Content-Security-Policy allows no inline style); every point carries its value as text, and
the same figures are in a table beside the chart for screen readers. Months without
receipts have no point (the line breaks there), never a 0%.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils import dateformat

from .coverage import MonthRate

WIDTH = 640
HEIGHT = 260
LEFT = 44  # the y axis
RIGHT = 620
TOP = 16
BOTTOM = 216  # the x axis (0%)
TICKS = (0, 25, 50, 75, 100)


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str  # "2025-04: 52.3%"
    value: str  # "52.3%"
    value_y: float


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


def line_chart(
    series: Sequence[MonthRate], *, target: Decimal | None = None, target_label: str = ""
) -> LineChart:
    count = max(len(series), 1)
    step = (RIGHT - LEFT - 24) / max(count - 1, 1)
    points: list[Point] = []
    lines: list[str] = []
    run: list[str] = []
    months = []
    for index, month_rate in enumerate(series):
        x = round(LEFT + 12 + step * index, 1)
        months.append(MonthTick(x=x, label=dateformat.format(month_rate.month, "M")))
        percent = month_rate.rate.percent
        if percent is None:
            if len(run) > 1:
                lines.append(" ".join(run))
            run = []
            continue
        y = _y(percent)
        run.append(f"{x},{y}")
        points.append(
            Point(
                x=x,
                y=y,
                label=f"{month_rate.month:%Y-%m}: {percent}%",
                value=f"{percent}%",
                value_y=y - 8 if y > TOP + 14 else y + 16,
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
