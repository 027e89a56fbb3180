"""`manage.py qcluster`: django-q2's command, with a cluster that stops
within seconds on SIGTERM or SIGINT, idle or mid-book (generator/cluster.py).

It replaces django-q2's own command because `generator` is listed before
`django_q` in INSTALLED_APPS.
"""

import os

from django.conf import settings
from django_q.management.commands.qcluster import Command as DjangoQCommand

from generator.cluster import ShopCluster


class Command(DjangoQCommand):
    help = "Starts the worker cluster (django-q2); SIGTERM or SIGINT stops all of it within seconds."

    def handle(self, *args, **options) -> None:
        settings.SECRET_KEY  # noqa: B018  (signing needs it: fail now, not on the first task)
        if options.get("cluster_name"):
            os.environ["Q_CLUSTER_NAME"] = options["cluster_name"]
        cluster = ShopCluster()
        cluster.start()
        if options.get("run_once"):
            cluster.stop()  # django-q2's graceful stop, outside any signal handler
            return
        status = cluster.run_until_stopped()
        if status:
            raise SystemExit(status)
