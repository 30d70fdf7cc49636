from __future__ import annotations

from collections.abc import Sequence

from django import template

from madoguchi.backoffice.aggregation import Bar
from madoguchi.backoffice.charts import BarChart, bar_chart

register = template.Library()


@register.filter(name="bar_chart")
def bar_chart_filter(bars: Sequence[Bar]) -> BarChart:
    return bar_chart(bars)
