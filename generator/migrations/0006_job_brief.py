# A job carries its own brief and token, copied from its order, so the
# factory can make a book without one.

from django.db import migrations, models

import generator.models


def brief_copy(apps, schema_editor):
    Job = apps.get_model("generator", "Job")
    Order = apps.get_model("orders", "Order")
    for job in Job.objects.all().iterator():
        order = Order.objects.get(pk=job.order_id)
        job.token = order.token
        job.theme = order.theme
        job.child_name = order.child_name
        job.age_group = order.age_group
        job.paper_size = order.paper_size
        job.save(update_fields=["token", "theme", "child_name", "age_group", "paper_size"])


class Migration(migrations.Migration):
    dependencies = [
        ("generator", "0005_job_staff_permissions"),
        ("orders", "0004_outbox"),
    ]

    operations = [
        migrations.AddField(model_name="job", name="token", field=models.CharField(max_length=64, null=True)),
        migrations.AddField(model_name="job", name="theme", field=models.CharField(default="", max_length=120), preserve_default=False),
        migrations.AddField(model_name="job", name="child_name", field=models.CharField(blank=True, max_length=40)),
        migrations.AddField(
            model_name="job",
            name="age_group",
            field=models.CharField(
                choices=[("toddler", "Toddlers (2–4)"), ("kids", "Kids (5–8)"), ("tweens", "Tweens (9–12)")],
                default="kids",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="job",
            name="paper_size",
            field=models.CharField(choices=[("letter", "US Letter"), ("a4", "A4")], default="letter", max_length=10),
        ),
        migrations.RunPython(brief_copy, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="job",
            name="token",
            field=models.CharField(default=generator.models.new_token, editable=False, max_length=64, unique=True),
        ),
    ]
