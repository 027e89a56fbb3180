import logging

from django.apps import AppConfig

logger = logging.getLogger(__name__)


def _sweep_on_spawn(sender, proc_name, **kwargs) -> None:
    """A worker process just started (first start, or respawned after its
    predecessor was killed): let SIGTERM and SIGINT stop it gracefully, bound
    its memory arenas, and take over the jobs dead workers left behind now
    rather than at the next scheduled sweep."""
    from django.db import close_old_connections

    from generator import shutdown
    from generator.memory import malloc_arenas_limit
    from generator.services import jobs_sweep, sweep_schedule_ensure

    shutdown.handlers_install()
    malloc_arenas_limit()
    try:
        sweep_schedule_ensure()
        logger.info("worker %s started: %s", proc_name, jobs_sweep())
    except Exception:
        logger.exception("sweep at worker start failed; the scheduled sweep will retry")
    finally:
        close_old_connections()


class GeneratorConfig(AppConfig):
    name = "generator"
    verbose_name = "Book generation"

    def ready(self) -> None:
        from django_q.signals import post_spawn

        post_spawn.connect(_sweep_on_spawn, dispatch_uid="generator.sweep_on_spawn")
