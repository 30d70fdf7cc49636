"""Statistics charts have labels, values at the bars' ends and an axis with its values."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.backoffice.aggregation import Bar
from madoguchi.backoffice.charts import BAR_AREA, BAR_START, bar_chart, nice_maximum
from madoguchi.forms.models import FormVersion
from madoguchi.tenants.models import StaffMember
from madoguchi.testing.factories import submit_application


@given(st.integers(min_value=1, max_value=10**9))
def test_the_axis_ends_at_a_round_number_at_or_above_the_largest_bar(top: int) -> None:
    maximum = nice_maximum(top)

    assert top <= maximum < 5 * top
    assert str(maximum).rstrip("0") in {"1", "2", "5"}


def test_bars_are_drawn_to_the_axis_scale_with_labels_and_values() -> None:
    chart = bar_chart([Bar("来所", 3), Bar("オンライン", 7), Bar("", 0)])

    assert [t.label for t in chart.ticks] == ["0", "5", "10"]
    assert [b.length for b in chart.bars] == [BAR_AREA * 0.3, BAR_AREA * 0.7, 0]
    assert chart.bars[1].value_x == BAR_START + BAR_AREA * 0.7 + 6
    assert [b.short_label for b in chart.bars] == ["来所", "オンライン", "—"]


def test_a_long_label_is_shortened_in_the_chart_and_kept_whole_in_its_title() -> None:
    label = "とても長い選択肢のラベルでグラフに入りきらない"

    [bar] = bar_chart([Bar(label, 1)]).bars

    assert bar.short_label.endswith("…") and len(bar.short_label) == 14
    assert bar.label == label


@pytest.mark.django_db
def test_the_statistics_page_draws_each_chart_with_labels_values_and_axis(
    form_version: FormVersion, staff: StaffMember, log_in: Any
) -> None:
    submit_application(form_version, method="visit")
    submit_application(form_version, method="online", online_tool="Zoom")
    submit_application(form_version, method="online", online_tool="Teams")

    page = log_in(staff).get(reverse("backoffice:form_statistics", args=[form_version.form_id]))

    svg = page.text.split('aria-labelledby="method-caption"')[1].split("</svg>")[0]
    assert re.search(r'class="chart-label"[^>]*>オンライン</text>', svg)
    assert re.search(r'class="chart-value"[^>]*>2</text>', svg)
    ticks = re.findall(r'class="chart-tick"[^>]*>(\d+)</text>', svg)
    assert ticks == ["0", "1", "2"]
    assert 'class="chart-axis"' in svg
