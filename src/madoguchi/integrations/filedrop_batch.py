"""Writing one file drop batch into a staging directory (see :mod:`.filedrop`).

The data file is written by the exports app's writers and columns (the same CSV or XLSX an
export gives, with the profile's columns, encoding and dates); the attachments ZIP by the
exports ZIP writer, with names from :mod:`.filedrop_names`; then manifest.json and SHA256SUMS.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from django.utils import timezone

from madoguchi.exports import columns as export_columns
from madoguchi.exports import selectors as export_selectors
from madoguchi.exports import writers
from madoguchi.exports.models import DateStyle, ExportEncoding, Unencodable
from madoguchi.forms.models import FormVersion
from madoguchi.forms.schema import FormSchema
from madoguchi.submissions.models import Attachment, Submission

from .filedrop_names import FolderNames
from .models import DropFormat, FileDrop, FileDropRun

MANIFEST_FORMAT = "madoguchi-file-drop/1"


class DropFailed(Exception):
    """A run could not write its batch; the message is safe to keep (codes and counts only)."""


@dataclass(frozen=True)
class _Options:
    columns: list[export_columns.Column]
    encoding: str
    date_style: str
    replace: bool


def _options(drop: FileDrop) -> _Options:
    profile = drop.profile
    if profile is None:
        return _Options(
            export_selectors.default_columns(drop.form), ExportEncoding.UTF8_BOM, "iso", False
        )
    return _Options(
        export_columns.stored_columns(profile.columns),
        profile.encoding,
        profile.date_style,
        profile.unencodable == Unencodable.REPLACE,
    )


def _schema_for(version_id: int) -> FormSchema:
    return FormVersion.objects.only("definition").get(pk=version_id).schema


def _rows(ids: list[int], options: _Options, *, typed: bool) -> Iterator[writers.Row]:
    answers = export_columns.answer_values(options.columns)
    values = (
        Submission.objects.filter(pk__in=ids)
        .annotate(**answers)
        .order_by("submitted_at", "id")
        .values_list(*export_columns.VALUE_FIELDS, *answers)
    )
    style: export_columns.DateStyle = "wareki" if options.date_style == DateStyle.WAREKI else "iso"
    builder = export_columns.RowBuilder(
        options.columns, schema_for=_schema_for, date_style=style, typed=typed
    )
    for row in values.iterator(chunk_size=500):
        yield writers.Row(row[1], builder.cells(row))


def _write_chunks(path: Path, chunks: Iterable[bytes]) -> None:
    with open(path, "wb") as out:
        for chunk in chunks:
            out.write(chunk)


def _write_data(directory: Path, drop: FileDrop, ids: list[int], options: _Options) -> list[str]:
    header = [c.header for c in options.columns]
    if drop.format == DropFormat.XLSX:
        writers.write_xlsx(
            header,
            _rows(ids, options, typed=True),
            directory / "applications.xlsx",
            date_style=options.date_style,
        )
        return ["applications.xlsx"]
    problems = writers.Problems()
    cp932 = options.encoding == ExportEncoding.CP932
    _write_chunks(
        directory / "applications.csv",
        writers.csv_chunks(
            header,
            _rows(ids, options, typed=False),
            encoding="cp932" if cp932 else "utf-8-sig",
            replace_unencodable=options.replace,
            problems=problems,
        ),
    )
    if not problems.count:
        return ["applications.csv"]
    receipts = sorted({p.receipt_number for p in problems.first})
    if not options.replace:
        raise DropFailed(
            f"CP932 cannot hold {problems.count} character(s) in {', '.join(receipts[:5])}"
            f"{' …' if len(receipts) > 5 else ''}"
        )
    with open(directory / "problems.csv", "w", encoding="utf-8-sig", newline="") as report:
        report_writer = writers.CsvWriter(report)
        report_writer.writerow(["receipt_number", "column", "codepoint", "character"])
        for problem in problems.first:
            report_writer.writerow(list(problem.as_dict().values()))
    return ["applications.csv", "problems.csv"]


def _opener(attachment: Attachment) -> Any:
    def open_file() -> IO[bytes]:
        handle: IO[bytes] = attachment.file.storage.open(str(attachment.file.name), "rb")
        return handle

    return open_file


def _zip_items(ids: list[int], *, cp932: bool) -> Iterator[writers.ZipItem]:
    folders: dict[tuple[str, str], FolderNames] = {}
    attachments = (
        Attachment.objects.filter(submission_id__in=ids)
        .select_related("submission")
        .order_by("submission__submitted_at", "submission_id", "field_key", "id")
    )
    for attachment in attachments.iterator(chunk_size=500):
        assert attachment.submission is not None
        receipt = attachment.submission.receipt_number
        folder = folders.setdefault((receipt, attachment.field_key), FolderNames(cp932=cp932))
        yield writers.ZipItem(
            receipt_number=receipt,
            field=attachment.field_key,
            name=folder.add(attachment.display_name),
            recorded_sha256=attachment.sha256,
            open=_opener(attachment),
        )


def _describe(directory: Path, name: str) -> dict[str, Any]:
    digest = hashlib.sha256()
    size = 0
    with open(directory / name, "rb") as handle:
        for chunk in writers.file_chunks(handle):
            digest.update(chunk)
            size += len(chunk)
    return {"path": name, "size": size, "sha256": digest.hexdigest()}


def write_batch(
    drop: FileDrop, run: FileDropRun, batch: str, directory: Path, chosen: list[tuple[int, int]]
) -> str:
    """Write the batch's files into ``directory``; returns manifest.json's SHA-256."""
    ids = [submission_id for submission_id, _ in chosen]
    options = _options(drop)
    cp932 = options.encoding == ExportEncoding.CP932 and drop.format == DropFormat.CSV
    names = _write_data(directory, drop, ids, options)
    if drop.with_attachments:
        _write_chunks(
            directory / "attachments.zip", writers.zip_chunks(_zip_items(ids, cp932=cp932))
        )
        names.append("attachments.zip")
    files = [_describe(directory, name) for name in names]
    generations = dict(chosen)
    applications = [
        {"receipt_number": receipt, "id": str(public_id), "generation": generations[pk]}
        for pk, receipt, public_id in Submission.objects.filter(pk__in=ids)
        .order_by("submitted_at", "id")
        .values_list("pk", "receipt_number", "public_id")
    ]
    manifest = {
        "format": MANIFEST_FORMAT,
        "batch": batch,
        "run": run.pk,
        "created_at": _iso(run.started_at),
        "municipality": drop.municipality.lg_code,
        "department": drop.department.code,
        "form": drop.form.slug,
        "data": {
            "format": drop.format,
            "encoding": "cp932" if cp932 else "utf-8-sig",
            "date_style": options.date_style,
            "columns": [c.as_dict() for c in options.columns],
        },
        "applications": applications,
        "sealed_skipped": run.sealed_skipped,
        "files": files,
    }
    manifest_bytes = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode()
    (directory / "manifest.json").write_bytes(manifest_bytes)
    files.append(_describe(directory, "manifest.json"))
    sums = "".join(f"{f['sha256']}  {f['path']}\n" for f in files)
    (directory / "SHA256SUMS").write_text(sums, encoding="ascii")
    return hashlib.sha256(manifest_bytes).hexdigest()


def _iso(moment: datetime) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds")
