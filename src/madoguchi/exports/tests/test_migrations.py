"""The move of the export models from backoffice keeps every row (migrations 0001-0002)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from madoguchi.testing.factories import StaffFactory, publish_form, submit_application

BEFORE = [("backoffice", "0002_searchterm"), ("exports", None)]
AFTER = [("backoffice", "0003_exports_moved_to_exports_app"), ("exports", "0002_rename_tables")]


def migrate(targets: list[tuple[str, str | None]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


@pytest.mark.django_db(transaction=True)
def test_an_export_made_before_the_move_is_still_there_after_it() -> None:
    version = publish_form()
    staff = StaffFactory(
        municipality=version.form.municipality, departments=[version.form.department]
    )
    submission = submit_application(version)
    try:
        executor = migrate(BEFORE)
        old = executor.loader.project_state([BEFORE[0]]).apps
        job = old.get_model("backoffice", "ExportJob").objects.create(
            municipality_id=version.form.municipality_id,
            department_id=version.form.department_id,
            form_id=version.form_id,
            created_by_id=staff.pk,
            format="csv",
            encoding="utf-8-sig",
            date_style="iso",
            unencodable="refuse",
            columns=[{"source": "receipt_number", "header": "受付番号"}],
            status="done",
            rows_total=1,
            sha256="0" * 64,
        )
        old.get_model("backoffice", "ExportedSubmission").objects.create(
            job_id=job.pk, submission_id=submission.pk
        )

        executor = migrate(AFTER)

        new = executor.loader.project_state(AFTER).apps
        moved = new.get_model("exports", "ExportJob").objects.get()
        assert (moved.public_id, moved.status, moved.sha256) == (job.public_id, "done", "0" * 64)
        held = new.get_model("exports", "ExportedSubmission").objects.get()
        assert (held.job_id, held.submission_id) == (moved.pk, submission.pk)
        tables = connection.introspection.table_names()
        assert "exports_exportjob" in tables
        assert "backoffice_exportjob" not in tables
    finally:
        # Migrating back unapplied every app built on these two (integrations' file drops
        # use export profiles): bring the whole schema back for the tests after this one.
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
