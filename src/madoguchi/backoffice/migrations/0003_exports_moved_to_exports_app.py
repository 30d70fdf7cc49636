"""ExportProfile, ExportJob and ExportedSubmission now belong to the exports app.

State only: exports' 0001 took the same tables over, so nothing in the database changes here.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('backoffice', '0002_searchterm'),
        ('exports', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='ExportedSubmission'),
                migrations.DeleteModel(name='ExportJob'),
                migrations.DeleteModel(name='ExportProfile'),
            ],
            database_operations=[],
        ),
    ]
