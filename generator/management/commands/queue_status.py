import json

from django.core.management.base import BaseCommand

from generator.selectors import queue_dashboard


class Command(BaseCommand):
    help = "Print the queue dashboard's figures: running job, waiting jobs, ETA, worker heartbeat."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="one JSON object instead of text")

    def handle(self, *args, **options):
        figures = queue_dashboard()
        if options["json"]:
            figures = {
                **figures,
                "running": [
                    {key: value for key, value in item.items() if key != "job"} | {"job": item["job"].pk}
                    for item in figures["running"]
                ],
                "waiting_jobs": [job.pk for job in figures["waiting_jobs"]],
            }
            self.stdout.write(json.dumps(figures, indent=2, default=str))
            return
        write = self.stdout.write
        if figures["running"]:
            for item in figures["running"]:
                write(
                    f"running: job {item['job'].pk} ({item['job'].theme}) "
                    f"{item['images_done']}/{item['images_total']} images, {item['running_seconds']} s, "
                    f"attempt {item['attempt']}, {item['worker']}"
                )
        else:
            write("running: none")
        write(f"waiting: {figures['waiting']}")
        measured = "measured" if figures["average_is_measured"] else "estimate, no book made yet"
        write(f"average book: {figures['average_book_seconds']} s ({measured})")
        eta = figures["last_in_line_eta_seconds"]
        write(f"last in line ready in: {'-' if eta is None else f'{eta} s'}")
        write(f"failed jobs: {figures['failed']}")
        if figures["heartbeats"]:
            beat = figures["heartbeats"][0]
            state = "ok" if figures["worker_ok"] else "STALE"
            write(f"worker heartbeat: {beat['seconds_ago']} s ago ({beat['worker']}, {state})")
        else:
            write("worker heartbeat: never (is the worker running?)")
        write(
            f"memory: book peak {figures['book_peak_mb'] or '-'} MB, this process {figures['web_rss_mb'] or '-'} MB, "
            f"host {figures['host_memory_mb']} MB, BOOK_WORKERS={figures['book_workers']}"
        )
        if gemini := figures["gemini"]:
            for purpose, item in gemini["models"].items():
                write(f"gemini {purpose}: {item['in_use'] or 'NONE (every model retired)'} ({item['setting']})")
            for item in gemini["retired"]:
                write(f"gemini retired: {item['name']} at {item['retired_at']} ({item['reason']})")
            for alert in gemini["alerts"]:
                write(self.style.WARNING(alert))
        if figures["recommendation"]:
            write(self.style.WARNING(figures["recommendation"]))
