"""SentEmail becomes the outbox: rows are written pending with the state
change and sent by the worker. Rows already there were sent."""

from django.db import migrations, models
from django.db.models import F


def existing_rows_were_sent(apps, schema_editor):
    SentEmail = apps.get_model("orders", "SentEmail")
    SentEmail.objects.update(state="sent", next_attempt_at=F("sent_at"), attempts=1)
    for row in SentEmail.objects.select_related("order"):
        row.message_id = f"<legacy-{row.pk}-{row.kind}@bookshop>"
        row.save(update_fields=["message_id"])


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0003_stripe_event_payment_intent_and_staff_permissions"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="sentemail", name="one_email_of_each_kind"),
        migrations.RemoveField(model_name="sentemail", name="resends"),
        migrations.AddField(model_name="sentemail", name="sequence", field=models.PositiveIntegerField(default=0)),
        migrations.AddField(model_name="sentemail", name="message_id", field=models.CharField(max_length=255, null=True)),
        migrations.AddField(
            model_name="sentemail",
            name="state",
            field=models.CharField(
                choices=[
                    ("pending", "Waiting to be sent"),
                    ("sending", "Being sent"),
                    ("sent", "Sent"),
                    ("failed", "Failed (staff can retry)"),
                ],
                db_index=True,
                default="pending",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="sentemail", name="created_at", field=models.DateTimeField(auto_now_add=True, null=True)
        ),
        migrations.AddField(model_name="sentemail", name="next_attempt_at", field=models.DateTimeField(null=True)),
        migrations.AddField(model_name="sentemail", name="attempts", field=models.PositiveIntegerField(default=0)),
        migrations.AddField(
            model_name="sentemail", name="claimed_at", field=models.DateTimeField(blank=True, null=True)
        ),
        migrations.AddField(model_name="sentemail", name="last_error", field=models.TextField(blank=True)),
        migrations.AlterField(model_name="sentemail", name="sent_at", field=models.DateTimeField(blank=True, null=True)),
        migrations.RunPython(existing_rows_were_sent, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="sentemail", name="message_id", field=models.CharField(max_length=255, unique=True)
        ),
        migrations.AlterField(
            model_name="sentemail", name="next_attempt_at", field=models.DateTimeField(db_index=True)
        ),
        migrations.AlterField(model_name="sentemail", name="created_at", field=models.DateTimeField(auto_now_add=True)),
        migrations.AddConstraint(
            model_name="sentemail",
            constraint=models.UniqueConstraint(fields=("order", "kind", "sequence"), name="one_email_of_each_kind"),
        ),
        migrations.AddIndex(
            model_name="sentemail",
            index=models.Index(fields=["state", "next_attempt_at"], name="outbox_due"),
        ),
    ]
