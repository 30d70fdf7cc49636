"""A booking carries several procedures: ``Booking.form`` becomes ``BookingProcedure`` rows.

The table is created first, each booking's form is copied into it (position 0), and only
then is the column removed. Reversing copies the first procedure back into ``form`` (a
booking with several loses the others, which the old schema cannot hold).
"""

import django.db.models.deletion
from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def forms_into_procedures(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    booking_model = apps.get_model("reservations", "Booking")
    procedure_model = apps.get_model("reservations", "BookingProcedure")
    procedure_model.objects.bulk_create(
        procedure_model(booking_id=pk, form_id=form_id, position=0)
        for pk, form_id in booking_model.objects.filter(form__isnull=False).values_list(
            "pk", "form_id"
        )
    )


def first_procedure_into_form(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    booking_model = apps.get_model("reservations", "Booking")
    procedure_model = apps.get_model("reservations", "BookingProcedure")
    for procedure in procedure_model.objects.filter(position=0):
        booking_model.objects.filter(pk=procedure.booking_id).update(form_id=procedure.form_id)


class Migration(migrations.Migration):
    dependencies = [
        ("forms", "0002_builder"),
        ("reservations", "0003_waiting_tickets"),
    ]

    operations = [
        migrations.CreateModel(
            name="BookingProcedure",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("position", models.PositiveSmallIntegerField(default=0)),
                (
                    "booking",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="procedures",
                        to="reservations.booking",
                    ),
                ),
                (
                    "form",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="forms.form",
                    ),
                ),
            ],
            options={
                "ordering": ["booking", "position"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("booking", "form"), name="reservation_procedure_once_per_booking"
                    )
                ],
            },
        ),
        migrations.RunPython(forms_into_procedures, first_procedure_into_form),
        migrations.RemoveField(model_name="booking", name="form"),
    ]
