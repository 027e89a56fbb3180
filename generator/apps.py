import logging

from django.apps import AppConfig

logger = logging.getLogger(__name__)


def _sweep_on_spawn(sender, proc_name, **kwargs) -> None:
    """A worker process just started (first start, or respawned after its
    predecessor was killed): let SIGTERM and SIGINT stop it gracefully, tune
    its malloc, take over the jobs dead workers left behind now, and start
    its lanes: BOOK_WORKERS book lanes and a preview lane (generator/lanes.py). (The
    project starts the housekeeping thread after this: bookshop/apps.py.)"""
    from django.db import close_old_connections

    from generator import lanes, shutdown
    from generator.memory import malloc_tune
    from generator.queue import jobs_sweep, sweep_schedule_remove

    shutdown.handlers_install()
    malloc_tune()
    try:
        sweep_schedule_remove()
        logger.info("worker %s started: %s", proc_name, jobs_sweep())
    except Exception:
        logger.exception("sweep at worker start failed; the housekeeping thread will retry")
    finally:
        close_old_connections()
    lanes.lanes_start()


class GeneratorConfig(AppConfig):
    name = "generator"
    verbose_name = "Book generation"

    def ready(self) -> None:
        from django_q.signals import post_spawn

        post_spawn.connect(_sweep_on_spawn, dispatch_uid="generator.sweep_on_spawn")
