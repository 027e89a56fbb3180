# The job's order link now lives on the order (orders 0005); redelivery is the
# shop's decision.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("generator", "0006_job_brief"),
        ("orders", "0005_order_job"),
    ]

    operations = [
        migrations.RemoveField(model_name="job", name="order"),
        migrations.RemoveField(model_name="job", name="redeliver"),
    ]
