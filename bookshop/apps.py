from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


def _housekeeping_on_spawn(sender, proc_name, **kwargs) -> None:
    """A worker process just started: start its housekeeping thread (the
    outbox, and the sweep every minute), which never waits behind a book."""
    from bookshop.housekeeping import housekeeping_start

    housekeeping_start()


class BookshopConfig(AppConfig):
    """The project: what ties the shop (orders) and the factory (generator)
    together in one worker process."""

    name = "bookshop"
    verbose_name = "Bookshop"

    def ready(self) -> None:
        from django_q.signals import post_spawn

        post_spawn.connect(_housekeeping_on_spawn, dispatch_uid="bookshop.housekeeping_on_spawn")


class StaffAdminConfig(AdminConfig):
    """Django's admin, on the staff site that asks for the second factor."""

    default_site = "bookshop.admin_site.StaffAdminSite"
