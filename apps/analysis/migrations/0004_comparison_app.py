"""The comparison's models (Factor, Judgment, OutcomeCalibration) move to the comparison
app. Their tables are renamed to the new app's names, then the models leave this app's
state; comparison 0001 takes them into its state without touching the database, so every
row stays where it is."""
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("analysis", "0003_review"),
    ]

    operations = [
        migrations.AlterModelTable(name="judgment", table="comparison_judgment"),
        migrations.AlterModelTable(name="factor", table="comparison_factor"),
        migrations.AlterModelTable(name="outcomecalibration", table="comparison_outcomecalibration"),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Judgment"),
                migrations.DeleteModel(name="Factor"),
                migrations.DeleteModel(name="OutcomeCalibration"),
            ],
            database_operations=[],
        ),
    ]
