"""The comparison's models, moved here from the analysis app (analysis 0004 renamed their
tables): this migration only records them in the comparison app's state, and carries
their content types over so that admin log entries and permissions keep pointing at them."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MOVED = ("factor", "judgment", "outcomecalibration")


def _relabel(apps, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label=old, model__in=MOVED).update(app_label=new)


def content_types_forward(apps, schema_editor):
    _relabel(apps, "analysis", "comparison")


def content_types_backward(apps, schema_editor):
    _relabel(apps, "comparison", "analysis")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('analysis', '0004_comparison_app'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('cases', '0001_initial'),
        ('coding', '0003_case_membership'),
        ('projects', '0002_independent_coding_login_throttle'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Factor',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('label', models.CharField(blank=True, help_text='Short name in tables and QCA formulas.', max_length=100)),
                        ('positive_values', models.JSONField(blank=True, default=list, help_text="Values calibrated to 1 in the crisp-set table, e.g. ['present'].")),
                        ('position', models.PositiveIntegerField(default=0)),
                        ('attribute', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='cases.attribute')),
                        ('code', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='coding.code')),
                        ('project', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='factors', to='projects.project')),
                    ],
                    options={
                        'ordering': ['position', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='Judgment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('value', models.CharField(blank=True, max_length=100)),
                        ('rationale', models.TextField(blank=True)),
                        ('version', models.PositiveIntegerField(default=1)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='judgments', to='cases.case')),
                        ('evidence', models.ManyToManyField(blank=True, related_name='judgments', to='coding.segment')),
                        ('factor', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='judgments', to='comparison.factor')),
                        ('judge', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='judgments', to=settings.AUTH_USER_MODEL)),
                        ('project', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='judgments', to='projects.project')),
                    ],
                    options={
                        'ordering': ['factor', 'case'],
                    },
                ),
                migrations.CreateModel(
                    name='OutcomeCalibration',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('label', models.CharField(blank=True, help_text='Name of the outcome in tables and QCA formulas.', max_length=100)),
                        ('positive_values', models.JSONField(blank=True, default=list, help_text='Categories of a categorical outcome calibrated to 1.')),
                        ('project', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='outcome_calibration', to='projects.project')),
                    ],
                ),
                migrations.AddConstraint(
                    model_name='factor',
                    constraint=models.CheckConstraint(condition=models.Q(('code__isnull', True), ('attribute__isnull', True), _connector='XOR'), name='factor_code_xor_attribute'),
                ),
                migrations.AddConstraint(
                    model_name='factor',
                    constraint=models.UniqueConstraint(fields=('project', 'code'), name='factor_unique_code'),
                ),
                migrations.AddConstraint(
                    model_name='factor',
                    constraint=models.UniqueConstraint(fields=('project', 'attribute'), name='factor_unique_attribute'),
                ),
                migrations.AddConstraint(
                    model_name='judgment',
                    constraint=models.UniqueConstraint(fields=('factor', 'case', 'judge'), name='judgment_unique_cell'),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_forward, content_types_backward),
    ]
