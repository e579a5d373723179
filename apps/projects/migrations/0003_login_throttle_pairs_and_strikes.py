from django.db import migrations, models


def forget_counts_per_user_name(apps, schema_editor):
    """Counts per user name alone ("user:<name>") let anyone lock anyone out; the throttle
    now counts per user name and address instead, so the old rows mean nothing."""
    apps.get_model("projects", "LoginThrottle").objects.filter(key__startswith="user:").delete()


class Migration(migrations.Migration):

    dependencies = [
        ('projects', '0002_independent_coding_login_throttle'),
    ]

    operations = [
        migrations.AddField(
            model_name='loginthrottle',
            name='strikes',
            field=models.PositiveIntegerField(default=0, help_text='Pauses so far; each lasts twice as long as the last.'),
        ),
        migrations.RunPython(forget_counts_per_user_name, migrations.RunPython.noop),
    ]
