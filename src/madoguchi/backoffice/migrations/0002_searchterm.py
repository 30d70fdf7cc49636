"""Search terms for the inbox, filled for the submissions already stored."""

import django.db.models.deletion
from django.db import migrations, models


def _fields(definition):
    for step in definition.get("steps", []):
        yield from step.get("fields", [])


def backfill(apps, schema_editor):
    from madoguchi.backoffice.search import RECEIPT_END, _name_terms, normalise

    Submission = apps.get_model("submissions", "Submission")
    SearchTerm = apps.get_model("backoffice", "SearchTerm")
    rows = Submission.objects.select_related("form_version").iterator(chunk_size=2000)
    batch = []
    for submission in rows:
        terms = _name_terms(submission.applicant_name)
        for field in _fields(submission.form_version.definition):
            value = (submission.answers or {}).get(field.get("key"))
            if field.get("type") == "kana" and isinstance(value, str):
                terms |= _name_terms(value)
        terms.add(RECEIPT_END + normalise(submission.receipt_number)[::-1])
        batch.extend(SearchTerm(submission_id=submission.pk, term=t) for t in sorted(terms))
        if len(batch) >= 5000:
            SearchTerm.objects.bulk_create(batch)
            batch = []
    SearchTerm.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("backoffice", "0001_initial"),
        ("submissions", "0008_upload_safety"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchTerm",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("term", models.CharField(max_length=210)),
                (
                    "submission",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="submissions.submission",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["term"],
                        name="search_term_prefix",
                        opclasses=["varchar_pattern_ops"],
                    )
                ],
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
