"""The export tables take this app's names (backoffice_export* → exports_export*).

The renames keep every row, index and constraint (their names are explicit). The only
foreign key to these tables is ExportedSubmission.job, which has no database constraint.
Background tasks queued before the move name their function by import path: those not
yet finished are pointed at the new module, so a worker started after the upgrade runs them.
"""

from django.db import migrations

OLD_TASKS = "madoguchi.backoffice.tasks."
NEW_TASKS = "madoguchi.exports.tasks."
TASK_TABLE = "django_tasks_database_dbtaskresult"


def _move_task_paths(old: str, new: str):
    def move(apps, schema_editor):
        connection = schema_editor.connection
        # Tasks table absent (a database created before django-tasks): nothing was queued.
        if TASK_TABLE not in connection.introspection.table_names():
            return
        table = schema_editor.quote_name(TASK_TABLE)
        with connection.cursor() as cursor:
            for name in ("run_export_job", "purge_expired_exports"):
                cursor.execute(
                    f"UPDATE {table} SET task_path = %s WHERE task_path = %s",
                    [new + name, old + name],
                )

    return move


class Migration(migrations.Migration):

    dependencies = [
        ('exports', '0001_initial'),
        ('backoffice', '0003_exports_moved_to_exports_app'),
    ]

    operations = [
        migrations.AlterModelTable(name='exportprofile', table=None),
        migrations.AlterModelTable(name='exportjob', table=None),
        migrations.AlterModelTable(name='exportedsubmission', table=None),
        migrations.RunPython(
            _move_task_paths(OLD_TASKS, NEW_TASKS), _move_task_paths(NEW_TASKS, OLD_TASKS)
        ),
    ]
