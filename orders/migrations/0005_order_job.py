# The order points to its book's job (the factory's Job no longer knows orders).

import django.db.models.deletion
from django.db import migrations, models

import generator.models


def job_link(apps, schema_editor):
    Job = apps.get_model("generator", "Job")
    Order = apps.get_model("orders", "Order")
    for job_id, order_id in Job.objects.values_list("pk", "order_id").iterator():
        Order.objects.filter(pk=order_id).update(job=job_id)


class Migration(migrations.Migration):
    dependencies = [
        ("generator", "0006_job_brief"),
        ("orders", "0004_outbox"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="job",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="order",
                to="generator.job",
            ),
        ),
        migrations.RunPython(job_link, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="order",
            name="token",
            field=models.CharField(default=generator.models.new_token, editable=False, max_length=64, unique=True),
        ),
    ]
