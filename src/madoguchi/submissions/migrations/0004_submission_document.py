"""Every submission keeps its canonical application document and that document's SHA-256.

Submissions made before this migration get a document dated at their submission time.
The builder is written out here (format "madoguchi-submission/1"), not imported, so
this migration keeps producing the same bytes whatever the app code becomes.
"""

import hashlib
from datetime import UTC

import rfc8785
from django.db import migrations, models


def _document(submission, attachments):
    form_version = submission.form_version
    form = form_version.form
    referenced = set()
    for value in submission.answers.values():
        if isinstance(value, list):
            for item in value:
                if isinstance(item, dict) and isinstance(item.get("id"), int):
                    referenced.add(item["id"])
    files = sorted(
        (
            {"field": a.field_key, "name": a.name, "size": a.size, "sha256": a.sha256.lower()}
            for a in attachments
            if a.pk in referenced
        ),
        key=lambda a: (a["field"], a["name"], a["sha256"]),
    )
    created = submission.submitted_at.astimezone(UTC).replace(microsecond=0)
    return {
        "format": "madoguchi-submission/1",
        "municipality": form.municipality.lg_code,
        "form": form.slug,
        "form_version": form_version.number,
        "form_version_id": form_version.pk,
        "answers": submission.answers,
        "attachments": files,
        "created_at": created.isoformat().replace("+00:00", "Z"),
    }


def fill_documents(apps, schema_editor):
    Submission = apps.get_model("submissions", "Submission")
    Attachment = apps.get_model("submissions", "Attachment")
    pending = Submission.objects.filter(document="").select_related(
        "form_version__form__municipality"
    )
    for submission in pending.iterator():
        attachments = Attachment.objects.filter(submission_id=submission.pk)
        body = rfc8785.dumps(_document(submission, attachments))
        submission.document = body.decode("utf-8")
        submission.document_sha256 = hashlib.sha256(body).hexdigest()
        submission.save(update_fields=["document", "document_sha256"])


class Migration(migrations.Migration):
    dependencies = [
        ("submissions", "0003_review_workflow"),
    ]

    operations = [
        migrations.AddField(
            model_name="submission",
            name="document",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AddField(
            model_name="submission",
            name="document_sha256",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        # Reversing drops the columns anyway; nothing to undo here.
        migrations.RunPython(fill_documents, migrations.RunPython.noop),
    ]
