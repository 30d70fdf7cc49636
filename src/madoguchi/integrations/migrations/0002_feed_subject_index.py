"""The ledger subject of every submission made before the feed existed (SubjectIndex).

New submissions get theirs from the feed's after_submit hook; this fills in the older ones,
so a payment or a mail arrival about them still reaches the feed. Reversing empties the index.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from madoguchi.core.events import submission_subject


def fill(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Submission = apps.get_model("submissions", "Submission")
    SubjectIndex = apps.get_model("integrations", "SubjectIndex")
    indexed = set(SubjectIndex.objects.values_list("submission_id", flat=True))
    batch = []
    for pk, public_id in Submission.objects.values_list("pk", "public_id").iterator():
        if pk in indexed:
            continue
        batch.append(SubjectIndex(subject=submission_subject(public_id), submission_id=pk))
        if len(batch) >= 1000:
            SubjectIndex.objects.bulk_create(batch)
            batch = []
    SubjectIndex.objects.bulk_create(batch)


def empty(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("integrations", "SubjectIndex").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("integrations", "0001_initial")]

    operations = [migrations.RunPython(fill, empty)]
