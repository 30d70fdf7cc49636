"""The export models move here from backoffice, their rows staying where they are.

State only: the models are created on the backoffice_* tables that backoffice's 0001 made
(backoffice 0003 drops them from its own state); 0002 then renames the tables.
"""

import django.db.models.deletion
import uuid
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('backoffice', '0002_searchterm'),
        ('forms', '0001_initial'),
        ('submissions', '0006_result_documents'),
        ('tenants', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ExportJob',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('public_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ('profile_name', models.CharField(blank=True, max_length=100)),
                        ('format', models.CharField(choices=[('csv', 'CSV'), ('xlsx', 'Excel (XLSX)'), ('jsonl', 'JSON Lines'), ('zip', 'Attachments (ZIP with manifest and SHA-256 sums)')], max_length=8)),
                        ('encoding', models.CharField(choices=[('utf-8-sig', 'UTF-8 with BOM (Excel)'), ('cp932', 'Shift_JIS / CP932 (legacy systems)')], max_length=12)),
                        ('date_style', models.CharField(choices=[('iso', 'ISO 8601 (2025-04-01)'), ('wareki', 'Japanese era (令和7年4月1日)')], max_length=8)),
                        ('unencodable', models.CharField(choices=[('refuse', 'Stop and list the characters'), ('replace', 'Write 〓 and include a report')], max_length=8)),
                        ('columns', models.JSONField()),
                        ('filters', models.JSONField(default=dict)),
                        ('status', models.CharField(choices=[('queued', 'Waiting'), ('running', 'Running'), ('done', 'Ready to download'), ('refused', 'Stopped: characters CP932 cannot hold'), ('failed', 'Failed'), ('expired', 'Expired')], default='queued', max_length=10)),
                        ('rows_total', models.PositiveIntegerField(default=0)),
                        ('rows_done', models.PositiveIntegerField(default=0)),
                        ('file', models.FileField(blank=True, upload_to='exports/')),
                        ('file_name', models.CharField(blank=True, max_length=200)),
                        ('size', models.PositiveBigIntegerField(default=0)),
                        ('sha256', models.CharField(blank=True, max_length=64)),
                        ('report_file', models.FileField(blank=True, upload_to='exports/')),
                        ('problem_count', models.PositiveIntegerField(default=0)),
                        ('problems', models.JSONField(blank=True, default=list)),
                        ('error', models.TextField(blank=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('started_at', models.DateTimeField(blank=True, null=True)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('expires_at', models.DateTimeField(blank=True, null=True)),
                        ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenants.staffmember')),
                        ('department', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenants.department')),
                        ('form', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='forms.form')),
                        ('municipality', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenants.municipality')),
                    ],
                    options={
                        'ordering': ['-created_at', '-id'],
                        'db_table': 'backoffice_exportjob',
                    },
                ),
                migrations.CreateModel(
                    name='ExportedSubmission',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('submission', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='submissions.submission')),
                        ('job', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='exports.exportjob')),
                    ],
                    options={
                        'db_table': 'backoffice_exportedsubmission',
                    },
                ),
                migrations.CreateModel(
                    name='ExportProfile',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=100, verbose_name='name')),
                        ('columns', models.JSONField()),
                        ('encoding', models.CharField(choices=[('utf-8-sig', 'UTF-8 with BOM (Excel)'), ('cp932', 'Shift_JIS / CP932 (legacy systems)')], default='utf-8-sig', max_length=12)),
                        ('date_style', models.CharField(choices=[('iso', 'ISO 8601 (2025-04-01)'), ('wareki', 'Japanese era (令和7年4月1日)')], default='iso', max_length=8)),
                        ('unencodable', models.CharField(choices=[('refuse', 'Stop and list the characters'), ('replace', 'Write 〓 and include a report')], default='refuse', max_length=8)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('form', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='forms.form')),
                        ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='tenants.staffmember')),
                    ],
                    options={
                        'ordering': ['form', 'name'],
                        'db_table': 'backoffice_exportprofile',
                    },
                ),
                migrations.AddIndex(
                    model_name='exportjob',
                    index=models.Index(fields=['created_by', '-created_at'], name='export_job_by_creator'),
                ),
                migrations.AddIndex(
                    model_name='exportedsubmission',
                    index=models.Index(fields=['submission'], name='exported_by_submission'),
                ),
                migrations.AddConstraint(
                    model_name='exportedsubmission',
                    constraint=models.UniqueConstraint(fields=('job', 'submission'), name='exported_submission_unique'),
                ),
                migrations.AddConstraint(
                    model_name='exportprofile',
                    constraint=models.UniqueConstraint(fields=('form', 'name'), name='export_profile_name_unique'),
                ),
            ],
            database_operations=[],
        ),
    ]
