"""`manage.py qcluster`: django-q2's command with the cluster of
generator/cluster.py, which stops within seconds of SIGTERM or Ctrl-C.

The generator app is listed before django_q in INSTALLED_APPS so that this is
the command `manage.py qcluster` finds."""

import os

from django.conf import settings
from django_q.management.commands import qcluster

from generator.cluster import Cluster


class Command(qcluster.Command):
    def handle(self, *args, **options):
        # django-q2 1.11's handle, with our Cluster.
        settings.SECRET_KEY  # noqa: B018 - signing needs it: fail now, not at the first task
        if options.get("cluster_name"):
            os.environ["Q_CLUSTER_NAME"] = options["cluster_name"]
        cluster = Cluster()
        cluster.start()
        if options.get("run_once", False):
            cluster.stop()
