import django.db.models.deletion
from django.db import migrations, models


def copy_rows(apps, schema_editor):
    """Runs finished before the table existed keep their changed rows (they were one JSON list on the run)."""
    WhatIfRun = apps.get_model("whatif", "WhatIfRun")
    WhatIfRow = apps.get_model("whatif", "WhatIfRow")
    for run in WhatIfRun.objects.iterator():
        WhatIfRow.objects.bulk_create(WhatIfRow(
            run_id=run.pk, application_id=row.get("application") or 0, receipt=row.get("receipt", ""),
            enterprise=row.get("enterprise", ""), clause=row.get("clause", ""), before=row.get("before", ""),
            after=row.get("after", ""), outcome_before=row.get("outcome_before", ""),
            outcome_after=row.get("outcome_after", ""), stored_outcome=row.get("stored_outcome", "") or "",
            why=row.get("why", "")) for row in run.rows or [])


class Migration(migrations.Migration):

    dependencies = [
        ('whatif', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='whatifrun',
            name='cursor',
            field=models.PositiveBigIntegerField(default=0, verbose_name='已试算到的申报编号'),
        ),
        migrations.AddField(
            model_name='whatifrun',
            name='progressed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='最近进展'),
        ),
        migrations.CreateModel(
            name='WhatIfRow',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('application_id', models.PositiveBigIntegerField(verbose_name='申报编号')),
                ('receipt', models.CharField(max_length=64, verbose_name='回执编号')),
                ('enterprise', models.CharField(max_length=200, verbose_name='企业名称')),
                ('clause', models.CharField(max_length=100, verbose_name='条款')),
                ('before', models.CharField(blank=True, max_length=20, verbose_name='原结果')),
                ('after', models.CharField(blank=True, max_length=20, verbose_name='新结果')),
                ('outcome_before', models.CharField(blank=True, max_length=20, verbose_name='原结论')),
                ('outcome_after', models.CharField(blank=True, max_length=20, verbose_name='新结论')),
                ('stored_outcome', models.CharField(blank=True, max_length=20, verbose_name='提交时判定')),
                ('why', models.TextField(blank=True, verbose_name='新结果的理由')),
                ('run', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='changes', to='whatif.whatifrun', verbose_name='试算')),
            ],
            options={
                'verbose_name': '试算结果变化',
                'verbose_name_plural': '试算结果变化',
                'ordering': ['id'],
                'indexes': [models.Index(fields=['run', 'clause', 'id'], name='whatif_row_run_clause')],
            },
        ),
        migrations.RunPython(copy_rows, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='whatifrun',
            name='rows',
        ),
    ]
