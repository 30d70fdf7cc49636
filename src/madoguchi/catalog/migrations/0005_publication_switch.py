# Generated for the publication switch (issue 19): the DX office publishes the coverage page.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0004_failure_where'),
        ('tenants', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='PublicationSwitch',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('published', models.BooleanField(default=False, verbose_name='published')),
                ('changed_at', models.DateTimeField(verbose_name='changed at')),
                ('changed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='tenants.staffmember', verbose_name='changed by')),
                ('municipality', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenants.municipality', verbose_name='municipality')),
            ],
            options={
                'verbose_name': 'publication switch',
                'verbose_name_plural': 'publication switches',
            },
        ),
    ]
