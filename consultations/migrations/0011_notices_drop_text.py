"""The notices' text columns go: 0010 kept their content as parameters.

They get a default first, so that migrating back can add them again to a table with rows (and
0010's reverse then fills them from the parameters)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("consultations", "0010_notices_data")]

    operations = [
        migrations.AlterField(
            model_name="notification", name="message", field=models.TextField(default="")
        ),
        migrations.RemoveField(model_name="notification", name="message"),
        migrations.RemoveField(model_name="notification", name="url"),
    ]
