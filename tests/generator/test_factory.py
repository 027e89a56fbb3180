"""The factory makes a book from a brief for whoever asks: no order, no
payment, no email. It tells what happened through generator.signals, and a
receiver can refuse the book."""

import pytest
from django.db import transaction
from pypdf import PdfReader

from generator import services, signals, tasks
from generator.errors import JobCancelled
from generator.models import Job, JobStatus
from orders.models import Order, SentEmail

pytestmark = pytest.mark.django_db

SIGNALS = ("job_started", "job_progressed", "job_requeued", "job_ready", "job_failed")


@pytest.fixture
def heard():
    """Every signal the factory sends, in order, with the job's status as
    the receiver saw it and whether it ran inside a transaction of the
    factory's (a savepoint: the test itself runs in a transaction)."""
    events: list[tuple] = []
    receivers = []
    for name in SIGNALS:

        def receiver(sender, job, _name=name, **kwargs):
            status = Job.objects.get(pk=job.pk).status
            events.append((_name, kwargs.get("stage"), status, bool(transaction.get_connection().savepoint_ids)))

        getattr(signals, name).connect(receiver, weak=False)
        receivers.append((name, receiver))
    yield events
    for name, receiver in receivers:
        getattr(signals, name).disconnect(receiver)


def brief(**fields):
    return {"theme": "owls in a library", "child_name": "Zoé", "age_group": "toddler", "paper_size": "a4", **fields}


def test_the_factory_makes_a_book_with_no_order_at_all(heard, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_create(**brief())
    assert tasks.job_run_next() == f"job {job.pk}"

    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert job.images_done == job.images_total == 24
    assert job.pages.exclude(line_art="").exclude(colored="").count() == 12
    assert not Order.objects.exists() and not SentEmail.objects.exists()

    with job.pdf.open("rb") as stored:
        reader = PdfReader(stored)
        text = "".join(page.extract_text() for page in reader.pages)
        width, height = (float(v) / 72 * 25.4 for v in reader.pages[0].mediabox[2:])
    assert "Owls in a library" in text and "Zoé" in text
    assert (round(width), round(height)) == (210, 297)  # the brief's A4

    names = [name for name, *_ in heard]
    assert names[0] == "job_started" and names[-1] == "job_ready"
    drawing = [event for event in heard if event[1] == signals.DRAWING]
    assert len(drawing) == 24 and not any(in_transaction for *_, in_transaction in drawing)
    # Sent before the job's row changes, inside the transaction that changes it.
    assert heard[-2][:3] == ("job_progressed", signals.RENDERING, JobStatus.RUNNING) and heard[-2][3]
    assert heard[-1][2:] == (JobStatus.RUNNING, True)


def test_a_job_with_no_order_fails_for_good_and_only_the_signal_tells(heard, settings, monkeypatch):
    from generator.providers import ImageRefused, offline

    def refuse(self, brief, scene, index):
        raise ImageRefused("refused")

    monkeypatch.setattr(offline.OfflineProvider, "draw_line_art", refuse)
    job = services.job_create(**brief())
    tasks.job_run_next()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "refused" in job.error
    assert [name for name, *_ in heard][-1] == "job_failed"
    assert not SentEmail.objects.exists()


def test_a_receiver_that_no_longer_wants_the_book_cancels_it(heard):
    def unwanted(sender, job, **kwargs):
        raise JobCancelled("the client changed its mind")

    signals.job_ready.connect(unwanted, weak=False)
    try:
        job = services.job_create(**brief())
        tasks.job_run_next()
    finally:
        signals.job_ready.disconnect(unwanted)
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert job.error == "the client changed its mind"
    assert tasks.job_run_next() == "no job waiting"
