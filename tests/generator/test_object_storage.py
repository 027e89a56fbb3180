"""Images and books on S3-compatible object storage (S3_BUCKET), as a shop
with several worker machines runs: nothing may assume a local file."""

import boto3
import pytest
from django.core import mail
from moto import mock_aws

from generator import tasks
from generator.models import Job
from orders.models import OrderStatus

pytestmark = pytest.mark.django_db

BUCKET = "books-test"


@pytest.fixture
def s3(settings, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {"bucket_name": BUCKET, "region_name": "us-east-1", "default_acl": "private"},
            },
        }
        yield client


def test_a_book_is_made_stored_and_downloaded_from_object_storage(
    s3, client, admin_client, paid_order, settings, outbox_flush
):
    order = paid_order()
    tasks.job_run_next()
    outbox_flush()
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert len([key for key in keys if key.startswith(f"jobs/{order.job.token}/")]) == 25  # and the cover
    job = Job.objects.get()
    assert job.pdf.name in keys
    assert not any(settings.MEDIA_ROOT in key for key in keys)

    url = client.get(f"/orders/{order.token}/status.json").json()["download_url"]
    body = b"".join(client.get(url).streaming_content)
    assert body.startswith(b"%PDF")
    assert body == mail.outbox[-1].attachments[0][1]

    page = job.pages.first()
    thumbnail = admin_client.get(f"/admin/generator/page/{page.pk}/thumbnail/line_art/")
    assert thumbnail.status_code == 200
