"""The notices' text columns go: 0010 kept their content as parameters."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("consultations", "0010_notices_data")]

    operations = [
        migrations.RemoveField(model_name="notification", name="message"),
        migrations.RemoveField(model_name="notification", name="url"),
    ]
