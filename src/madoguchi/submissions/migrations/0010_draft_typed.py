# Written for Madoguchi: one column, no data to move (issue 13, 一時保存 keeps what was typed).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("submissions", "0009_status_links"),
    ]

    operations = [
        migrations.AddField(
            model_name="draft",
            name="typed",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
