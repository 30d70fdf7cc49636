"""Export throughput and peak memory on PostgreSQL, beside PostgreSQL's own COPY.

Not a test: run it by hand or from `make bench`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/madoguchi \\
        .venv/bin/python bench/export_bench.py 100000

It works in a database of its own (``<name>_bench``, created and migrated when
missing), seeds N submissions with one COPY FROM STDIN (kept between runs of the same
N), then measures in a fresh child process, so that the peak RSS is the export's:

1. the CSV export pipeline to /dev/null: streaming query (server-side cursor) →
   answers flattened per the form schema → CSV writer (UTF-8 with BOM);
2. the whole export job as staff run it (fixing the set of rows, the file, SHA-256,
   the ledger event), CP932;
3. ``COPY (SELECT <the same columns>) TO STDOUT`` via psycopg, in the same run.

It prints rows/s, peak RSS and the ratio to COPY, and fails (exit 1) when the peak
RSS grows by more than MAX_GROWTH_MB during the export: memory must stay flat.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

MAX_GROWTH_MB = 150
REPO = Path(__file__).resolve().parent.parent
FORM_SLUG = "bench-export"


def bench_database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (the benchmark uses <name>_bench).")
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "madoguchi"
    if not name.endswith("_bench"):
        name += "_bench"
    return urlunsplit(parts._replace(path=f"/{name}"))


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "madoguchi.settings.test")
    sys.path.insert(0, str(REPO / "src"))
    import django

    django.setup()


def rss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- seeding ---------------------------------------------------------------------------------


def seed(count: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    from madoguchi.forms.models import Form
    from madoguchi.submissions.models import Submission
    from madoguchi.testing.factories import DepartmentFactory, StaffFactory, publish_form

    call_command("migrate", verbosity=0)
    form = Form.objects.filter(slug=FORM_SLUG).select_related("current_version").first()
    if form is not None:
        if Submission.objects.filter(form_version__form=form).count() == count:
            print(f"seed: {count:,} submissions already there")
            return
        print("seed: clearing the previous benchmark data")
        with connection.cursor() as cursor:
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            tables = [
                row[0]
                for row in cursor.fetchall()
                if row[0] != "django_migrations"
                and not row[0].startswith("django_content")
                and not row[0].startswith("auth_permission")
            ]
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    department = DepartmentFactory()
    StaffFactory(municipality=department.municipality, departments=[department])
    version = publish_form(department=department, slug=FORM_SLUG)
    started = time.perf_counter()
    copy_submissions(version, count)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"seed: {count:,} submissions in {time.perf_counter() - started:.1f} s (COPY FROM)")


def copy_submissions(version: Any, count: int) -> None:
    """COPY FROM STDIN, with every concrete column of Submission (defaults for the rest)."""
    from django.db import connection
    from django.utils import timezone

    from madoguchi.submissions.models import Submission

    fields = [f for f in Submission._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    lg_code = version.form.municipality.lg_code
    start = timezone.now() - timedelta(days=365)
    methods = ["visit", "online"]
    defaults = {f.attname: f.get_default() for f in fields}

    def row(i: int) -> tuple[Any, ...]:
        answers = {
            "name": f"加賀 太郎{i % 1000}",
            "name_kana": "カガ\u3000タロウ",
            "email": f"resident{i}@example.jp",
            "method": methods[i % 2],
            "visit_date": "2025-04-01",
            "count": i % 10 + 1,
        }
        if i % 2:
            answers["online_tool"] = "Zoom"
        values = defaults | {
            "public_id": uuid.uuid4(),
            "receipt_number": f"{lg_code}-2025-{i:07d}",
            "municipality_id": version.form.municipality_id,
            "department_id": version.form.department_id,
            "form_version_id": version.pk,
            "channel": "online",
            "status": "received",
            "answers": json.dumps(answers, ensure_ascii=False),
            "applicant_name": answers["name"],
            "contact_email": answers["email"],
            "language": "ja",
            "identity_level": "none",
            "prefilled_fields": "[]",
            "submitted_at": start + timedelta(seconds=i * 30),
        }
        return tuple(
            json.dumps(v) if isinstance(v, list | dict) else v
            for v in (values[f.attname] for f in fields)
        )

    table = Submission._meta.db_table
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for i in range(count):
                copy.write_row(row(i))


# --- measuring (child process) -----------------------------------------------------------


def measure() -> dict[str, Any]:
    from django.db import connection

    from madoguchi.exports import selectors as export_selectors
    from madoguchi.exports import services as export_services
    from madoguchi.exports import writers
    from madoguchi.exports.columns import RowBuilder
    from madoguchi.exports.models import ExportJob
    from madoguchi.forms.models import Form
    from madoguchi.tenants.models import StaffMember

    form = Form.objects.select_related("current_version").get(slug=FORM_SLUG)
    staff = StaffMember.objects.get(departments=form.department)
    columns = export_selectors.default_columns(form)
    result: dict[str, Any] = {"rss_before_mb": rss_mb()}

    # 1. the pipeline to /dev/null, on the job's fixed set of rows.
    job = ExportJob.objects.create(
        municipality_id=form.municipality_id,
        department_id=form.department_id,
        form=form,
        created_by=staff,
        format="csv",
        encoding="utf-8-sig",
        date_style="iso",
        unencodable="refuse",
        columns=[c.as_dict() for c in columns],
    )
    rows = export_services._fix_rows(
        job,
        export_selectors.exportable_submissions(
            staff, form=form, filters=export_selectors.Filters()
        ),
    )
    builder = RowBuilder(columns, schema_for=export_services._schema_for)
    started = time.perf_counter()
    written = 0
    with open(os.devnull, "wb") as sink:
        data = (
            writers.Row(values[1], builder.cells(values))
            for values in export_selectors.job_rows(job).iterator(chunk_size=2000)
        )
        for chunk in writers.csv_chunks([c.header for c in columns], data):
            sink.write(chunk)
            written += len(chunk)
    result["pipeline_seconds"] = time.perf_counter() - started
    result["rows"] = rows
    result["csv_bytes"] = written
    result["rss_after_pipeline_mb"] = rss_mb()
    job.delete()

    # 2. the whole job, as staff start it (CP932, file in storage, ledger event).
    from django.conf import settings

    settings.MADOGUCHI_EXPORT_DIRECT_MAX_ROWS = rows + 1
    started = time.perf_counter()
    job = export_services.start_export(
        staff=staff,
        request=export_services.ExportRequest(form=form, columns=columns, encoding="cp932"),
    )
    result["job_seconds"] = time.perf_counter() - started
    result["job_status"] = job.status
    result["job_bytes"] = job.size
    result["rss_after_job_mb"] = rss_mb()
    job.file.delete(save=False)

    # 3. PostgreSQL's COPY of the same rows and columns, to /dev/null.
    select = (
        "SELECT s.receipt_number, s.submitted_at, s.status, s.identity_level, "
        "s.answers->>'name', s.answers->>'name_kana', s.answers->>'email', "
        "s.answers->>'method', s.answers->>'online_tool', s.answers->>'visit_date', "
        "s.answers->>'count' FROM submissions_submission s "
        "JOIN forms_formversion v ON v.id = s.form_version_id WHERE v.form_id = %s "
        "ORDER BY s.submitted_at, s.id"
    )
    started = time.perf_counter()
    with connection.cursor() as cursor, open(os.devnull, "wb") as sink:
        raw = cursor.cursor
        with raw.copy(f"COPY ({select}) TO STDOUT WITH (FORMAT csv, HEADER)", [form.pk]) as copy:
            for data in copy:
                sink.write(data)
    result["copy_seconds"] = time.perf_counter() - started
    return result


def main() -> None:
    url = bench_database_url()
    if sys.argv[1:2] == ["--measure"]:
        setup_django(url)
        print(json.dumps(measure()))
        return
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    ensure_database(url)
    setup_django(url)
    seed(count)
    child = subprocess.run(
        [sys.executable, __file__, "--measure"],
        env=os.environ | {"DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=False,
    )
    if child.returncode != 0:
        sys.exit(child.stderr)
    r = json.loads(child.stdout.strip().splitlines()[-1])
    rows = r["rows"]
    growth = max(r["rss_after_pipeline_mb"], r["rss_after_job_mb"]) - r["rss_before_mb"]
    print(f"rows:                         {rows:,}")
    print(
        f"export pipeline (CSV UTF-8):  {r['pipeline_seconds']:.2f} s  "
        f"{rows / r['pipeline_seconds']:,.0f} rows/s  {r['csv_bytes'] / 1e6:,.1f} MB"
    )
    print(
        f"whole export job (CP932):     {r['job_seconds']:.2f} s  "
        f"{rows / r['job_seconds']:,.0f} rows/s  ({r['job_status']})"
    )
    print(
        f"PostgreSQL COPY TO STDOUT:    {r['copy_seconds']:.2f} s  "
        f"{rows / r['copy_seconds']:,.0f} rows/s"
    )
    print(
        f"ratio pipeline / COPY:        {r['pipeline_seconds'] / r['copy_seconds']:.1f}x  "
        f"(job / COPY {r['job_seconds'] / r['copy_seconds']:.1f}x)"
    )
    print(
        f"peak RSS:                     {r['rss_before_mb']:.0f} MB before, "
        f"{r['rss_after_pipeline_mb']:.0f} MB after the pipeline, "
        f"{r['rss_after_job_mb']:.0f} MB after the job (growth {growth:.0f} MB)"
    )
    if growth > MAX_GROWTH_MB:
        sys.exit(f"FAIL: peak RSS grew by {growth:.0f} MB (limit {MAX_GROWTH_MB} MB)")


if __name__ == "__main__":
    main()
