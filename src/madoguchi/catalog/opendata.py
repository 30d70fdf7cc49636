"""What a city publishes (公開ページとオープンデータ): the coverage rate, its trend, every
procedure with its channels and counts, as the public page and as CSV and JSON (CC BY 4.0).

The page and the files are made from one :class:`Publication`, so they cannot disagree.
Figures are counts only (no personal data): the receipts of complete months, Madoguchi's
own counted live and the others as entered (``coverage.volume_rows``).

The files follow the Digital Agency's 自治体標準オープンデータセット conventions: Japanese
column names, 全国地方公共団体コード, ID (the stable procedure ID) and 地方公共団体名 first
(the order of the standard datasets), dates in ISO 8601 (年月 as ``YYYY-MM``), CSV in
UTF-8 with a BOM and CRLF line ends, one header row. Labels in the files are Japanese
whatever the reader's language (the data's language is fixed); codes sit beside them.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from madoguchi.tenants.models import Department, Municipality

from . import coverage
from .channels import VolumeChannel
from .models import Applicant, CoverageTarget, Procedure, SealReview

__all__ = [
    "COVERAGE_COLUMNS",
    "LICENSE",
    "LICENSE_URL",
    "PROCEDURE_COLUMNS",
    "Publication",
    "coverage_records",
    "csv_bytes",
    "json_document",
    "procedure_records",
    "publication",
]

LICENSE = "CC BY 4.0"
LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/deed.ja"
# The rate and the per-procedure counts cover the last 12 complete months; the trend 18.
WINDOW_MONTHS = 12
TREND_MONTHS = 18

ONLINE = frozenset({VolumeChannel.ONLINE, VolumeChannel.NATIONAL})

# The data's own labels (Japanese, fixed: a reader's language never changes a file).
OFFERED_LABELS = {
    "online": "オンライン",
    "national": "国のオンラインサービス",
    "mail_web": "郵送（Webで作成）",
    "counter_prereg": "窓口（事前登録）",
    "paper_only": "紙（窓口・郵送）",
}
VOLUME_LABELS = {
    VolumeChannel.ONLINE: "オンライン",
    VolumeChannel.NATIONAL: "国のオンラインサービス",
    VolumeChannel.MAIL_WEB: "郵送（Webで作成）",
    VolumeChannel.COUNTER_PREREG: "窓口（事前登録）",
    VolumeChannel.COUNTER_PAPER: "窓口（紙）",
    VolumeChannel.MAIL_PAPER: "郵送（紙）",
}
APPLICANT_LABELS: dict[str, str] = {
    Applicant.INDIVIDUAL: "個人",
    Applicant.BUSINESS: "事業者",
    Applicant.BOTH: "個人・事業者",
}
SEAL_LABELS: dict[str, str] = {
    SealReview.NOT_REVIEWED: "未見直し",
    SealReview.KEEP: "存続",
    SealReview.ABOLISH: "廃止",
    SealReview.E_SIGNATURE: "電子署名に置換",
}

PROCEDURE_COLUMNS: tuple[str, ...] = (
    "全国地方公共団体コード",
    "ID",
    "地方公共団体名",
    "手続名",
    "手続名_英字",
    "分類",
    "担当部署",
    "根拠法令",
    "カバー率の対象",
    "対象外の理由",
    "申請者",
    "本人確認",
    "署名",
    "押印",
    "押印の見直し",
    "手続の方法",
    "手続の方法_コード",
    "オンライン申請",
    "年間件数_見込み",
    "標準処理期間_開庁日",
    "集計期間_開始",
    "集計期間_終了",
    "受付件数",
    "オンライン件数",
    "スマート件数",
    "スマート化率",
)

COVERAGE_COLUMNS: tuple[str, ...] = (
    "全国地方公共団体コード",
    "地方公共団体名",
    "年月",
    "受付件数",
    "スマート件数",
    "カバー率",
    *(f"件数_{VOLUME_LABELS[c]}" for c in VolumeChannel),
    "目標",
    "目標期限",
)


@dataclass(frozen=True)
class ProcedureFigures:
    procedure: Procedure
    total: int
    online: int
    smart: int
    percent: Decimal | None


@dataclass(frozen=True)
class Publication:
    municipality: Municipality
    first: date  # the window's first month (the 1st)
    trend_first: date  # the trend's first month
    last: date  # its last month (the 1st)
    rate: coverage.Rate  # of the target procedures over the window
    series: list[coverage.MonthRate]  # the trend, oldest first
    by_channel: dict[date, dict[str, int]]  # target receipts per month and channel
    procedures: list[ProcedureFigures]
    target: CoverageTarget | None

    @property
    def period_end(self) -> date:
        """The window's last day."""
        return coverage.add_months(self.last, 1) - timedelta(days=1)

    @property
    def target_procedures(self) -> list[ProcedureFigures]:
        return [f for f in self.procedures if f.procedure.target]

    @property
    def excluded_procedures(self) -> list[ProcedureFigures]:
        return [f for f in self.procedures if not f.procedure.target]


def publication(municipality: Municipality, *, today: date | None = None) -> Publication:
    """Everything the city publishes, as of ``today``: complete months only (paper volumes
    are entered after a month ends)."""
    last = coverage.add_months(coverage.month_of(today or timezone.localdate()), -1)
    first = coverage.add_months(last, -(WINDOW_MONTHS - 1))
    trend_first = coverage.add_months(last, -(TREND_MONTHS - 1))
    procedures = list(
        Procedure.objects.filter(municipality=municipality)
        .select_related("department", "form")
        .order_by("procedure_id")
    )
    rows = coverage.volume_rows(municipality, trend_first, last, procedures=procedures)
    window = [row for row in rows if row.month >= first]
    by_channel: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        if row.target:
            by_channel[row.month][row.channel] += row.count
    per_procedure: dict[int, list[coverage.VolumeRow]] = defaultdict(list)
    for row in window:
        per_procedure[row.procedure_pk].append(row)
    figures = []
    for procedure in procedures:
        own = per_procedure[procedure.pk]
        rate = coverage.rate(own, targets_only=False)
        figures.append(
            ProcedureFigures(
                procedure=procedure,
                total=rate.total,
                online=sum(r.count for r in own if r.channel in ONLINE),
                smart=rate.smart,
                percent=rate.percent,
            )
        )
    return Publication(
        municipality=municipality,
        first=first,
        trend_first=trend_first,
        last=last,
        rate=coverage.rate(window),
        series=coverage.series(rows, trend_first, last),
        by_channel={month: dict(counts) for month, counts in by_channel.items()},
        procedures=figures,
        target=coverage.target_of(municipality),
    )


def _yes_no(value: bool) -> str:
    return "要" if value else "不要"


def procedure_records(publication: Publication, *, online_url: Any = None) -> list[dict[str, Any]]:
    """One record per procedure, target and excluded, keyed by ``PROCEDURE_COLUMNS``.

    ``online_url(procedure)`` gives the address of its Madoguchi form (the view knows it)."""
    municipality = publication.municipality
    departments: dict[int, Department] = {}
    records = []
    for figures in publication.procedures:
        procedure = figures.procedure
        departments.setdefault(procedure.department_id, procedure.department)
        records.append(
            {
                "全国地方公共団体コード": municipality.lg_code,
                "ID": procedure.procedure_id,
                "地方公共団体名": municipality.name,
                "手続名": procedure.name,
                "手続名_英字": procedure.name_en,
                "分類": procedure.category,
                "担当部署": procedure.department.name,
                "根拠法令": procedure.legal_basis,
                "カバー率の対象": "対象" if procedure.target else "対象外",
                "対象外の理由": "" if procedure.target else procedure.exclusion_reason,
                "申請者": APPLICANT_LABELS.get(procedure.applicant, procedure.applicant),
                "本人確認": _yes_no(procedure.identity_check_required),
                "署名": _yes_no(procedure.signature_required),
                "押印": _yes_no(procedure.seal_required),
                "押印の見直し": SEAL_LABELS.get(procedure.seal_review, procedure.seal_review),
                "手続の方法": ";".join(OFFERED_LABELS.get(c, c) for c in procedure.channels),
                "手続の方法_コード": ";".join(procedure.channels),
                "オンライン申請": online_url(procedure) if online_url and procedure.form else "",
                "年間件数_見込み": procedure.annual_volume,
                "標準処理期間_開庁日": procedure.processing_days,
                "集計期間_開始": publication.first.isoformat(),
                "集計期間_終了": publication.period_end.isoformat(),
                "受付件数": figures.total,
                "オンライン件数": figures.online,
                "スマート件数": figures.smart,
                "スマート化率": figures.percent,
            }
        )
    return records


def coverage_records(publication: Publication) -> list[dict[str, Any]]:
    """One record per month of the trend, keyed by ``COVERAGE_COLUMNS``."""
    municipality = publication.municipality
    target = publication.target
    records = []
    for month_rate in publication.series:
        channels = publication.by_channel.get(month_rate.month, {})
        record: dict[str, Any] = {
            "全国地方公共団体コード": municipality.lg_code,
            "地方公共団体名": municipality.name,
            "年月": f"{month_rate.month:%Y-%m}",
            "受付件数": month_rate.rate.total,
            "スマート件数": month_rate.rate.smart,
            "カバー率": month_rate.rate.percent,
        }
        for channel in VolumeChannel:
            record[f"件数_{VOLUME_LABELS[channel]}"] = channels.get(channel, 0)
        record["目標"] = target.target_percent if target else None
        record["目標期限"] = target.deadline.isoformat() if target else ""
        records.append(record)
    return records


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return str(value)


def csv_bytes(columns: Sequence[str], records: Sequence[dict[str, Any]]) -> bytes:
    """UTF-8 with a BOM, CRLF, every field as text ("" for none). Values are written as the
    city entered them (open data must not alter them: no formula guard prefix)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow([_cell(record[c]) for c in columns])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def json_document(
    publication: Publication,
    *,
    dataset: str,
    columns: Sequence[str],
    records: list[dict[str, Any]],
    start: date,
) -> dict[str, Any]:
    """The JSON file: what it is, its license and period, then the same records as the CSV
    (numbers as numbers, none as null)."""

    def value(v: Any) -> Any:
        return float(v) if isinstance(v, Decimal) else v

    municipality = publication.municipality
    return {
        "dataset": dataset,
        "全国地方公共団体コード": municipality.lg_code,
        "地方公共団体名": municipality.name,
        "license": LICENSE,
        "license_url": LICENSE_URL,
        "attribution": municipality.name,
        "集計期間_開始": start.isoformat(),
        "集計期間_終了": publication.period_end.isoformat(),
        "作成日": timezone.localdate().isoformat(),
        "columns": list(columns),
        "records": [{c: value(r[c]) for c in columns} for r in records],
    }
