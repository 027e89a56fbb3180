"""`manage.py outbox_send`: send the outbox's due emails once, here and now
(the worker's housekeeping thread does it every second)."""

from django.core.management.base import BaseCommand

from orders.outbox import outbox_send_due


class Command(BaseCommand):
    help = "Send the emails that are due in the outbox, once."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500, help="send at most this many")

    def handle(self, *args, limit: int, **options):
        sent = outbox_send_due(limit=limit)
        self.stdout.write(f"{sent} email(s) sent")
