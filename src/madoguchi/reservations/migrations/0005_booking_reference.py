"""Every booking gets a booking number (``Booking.reference``, shown in its MDR1 QR code).

The column is added empty and not unique, each existing booking gets a fresh random
reference (distinct from every other one), and only then is it made unique and required.
Reversing drops the column.
"""

from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

import madoguchi.reservations.reference


def give_references(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    booking_model = apps.get_model("reservations", "Booking")
    taken: set[str] = set()
    for booking in booking_model.objects.filter(reference__isnull=True).only("pk"):
        reference = madoguchi.reservations.reference.new()
        while reference in taken:
            reference = madoguchi.reservations.reference.new()
        taken.add(reference)
        booking_model.objects.filter(pk=booking.pk).update(reference=reference)


class Migration(migrations.Migration):
    dependencies = [
        ("reservations", "0004_booking_procedures"),
    ]

    operations = [
        migrations.AddField(
            model_name="booking",
            name="reference",
            field=models.CharField(max_length=8, null=True, editable=False),
        ),
        migrations.RunPython(give_references, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="booking",
            name="reference",
            field=models.CharField(
                default=madoguchi.reservations.reference.new,
                editable=False,
                max_length=8,
                unique=True,
                verbose_name="booking number",
            ),
        ),
    ]
