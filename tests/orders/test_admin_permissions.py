"""Admin actions that move money or make images need their own permission:
a staff account that may only look cannot use them, and does not see them."""

import pytest
from django.contrib.auth.models import Permission, User
from django.utils import timezone

from generator.models import Job, JobStatus, Page
from orders import services as order_services
from orders.models import EmailKind, EmailState, Order, OrderStatus, SentEmail

pytestmark = pytest.mark.django_db

VIEW_ONLY = ["view_order", "view_job", "view_page", "view_stripeevent", "view_sentemail"]


def staff_client(client, *codenames: str):
    user = User.objects.create_user("clerk", password="pw-123456789", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client.force_login(user)
    return client


def actions_offered(client, url: str) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200
    form = response.context.get("action_form")
    return {name for name, _ in form.fields["action"].choices if name} if form else set()


def post_action(client, url: str, action: str, ids: list[int]):
    return client.post(url, {"action": action, "_selected_action": ids}, follow=True)


def test_a_view_only_clerk_cannot_refund_and_does_not_see_the_action(client, fake_stripe, paid_order):
    order = paid_order()
    Order.objects.filter(pk=order.pk).update(stripe_payment_intent="pi_test_1")
    clerk = staff_client(client, *VIEW_ONLY)
    assert actions_offered(clerk, "/admin/orders/order/") == set()
    response = post_action(clerk, "/admin/orders/order/", "refund", [order.pk])
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.QUEUED
    assert fake_stripe.calls("/v1/refunds") == []


def test_a_view_only_clerk_cannot_cancel_retry_regenerate_or_resend(client, finished_book, monkeypatch):
    resent: list[int] = []
    monkeypatch.setattr(order_services, "order_delivery_resend", lambda *, order: resent.append(order.pk))
    order = finished_book
    unpaid = Order.objects.create(email="a@example.com", theme="cats", amount_cents=999, currency="usd")
    job = Job.objects.get()
    Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED)
    clerk = staff_client(client, *VIEW_ONLY)
    assert actions_offered(clerk, "/admin/generator/job/") == set()
    assert actions_offered(clerk, "/admin/generator/page/") == set()

    post_action(clerk, "/admin/orders/order/", "cancel_unpaid", [unpaid.pk])
    post_action(clerk, "/admin/orders/order/", "retry_failed_jobs", [order.pk])
    post_action(clerk, "/admin/generator/job/", "retry_failed", [job.pk])
    post_action(clerk, "/admin/generator/page/", "regenerate", [Page.objects.first().pk])
    Job.objects.filter(pk=job.pk).update(status=JobStatus.DONE)
    post_action(clerk, "/admin/orders/order/", "resend_delivery", [order.pk])
    post_action(clerk, "/admin/generator/job/", "make_print_pdf", [job.pk])

    unpaid.refresh_from_db()
    assert unpaid.status == OrderStatus.PENDING_PAYMENT
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.print_pdf_requested_at is None
    assert Page.objects.exclude(line_art="").count() == 12
    assert resent == []


def test_a_clerk_with_the_refund_permission_can_refund(
    client, fake_stripe, paid_order, django_capture_on_commit_callbacks
):
    order = paid_order()
    Order.objects.filter(pk=order.pk).update(stripe_payment_intent="pi_test_1")
    clerk = staff_client(client, *VIEW_ONLY, "refund_order")
    assert actions_offered(clerk, "/admin/orders/order/") == {"refund"}
    with django_capture_on_commit_callbacks(execute=True):
        post_action(clerk, "/admin/orders/order/", "refund", [order.pk])
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert len(fake_stripe.calls("/v1/refunds")) == 1


def test_each_permission_offers_its_own_actions(client):
    clerk = staff_client(
        client, *VIEW_ONLY, "cancel_order", "resend_delivery", "retry_job", "regenerate_pages", "make_print_pdf"
    )
    assert actions_offered(clerk, "/admin/orders/order/") == {"cancel_unpaid", "resend_delivery", "retry_failed_jobs"}
    assert actions_offered(clerk, "/admin/generator/job/") == {"retry_failed", "resend_delivery", "make_print_pdf"}
    assert actions_offered(clerk, "/admin/generator/page/") == {"regenerate"}


def test_admin_pages_of_jobs_need_the_view_permission(client, finished_book):
    job, page = Job.objects.get(), Page.objects.first()
    urls = [
        "/admin/generator/job/dashboard/",
        f"/admin/generator/page/{page.pk}/thumbnail/colored/",
        f"/admin/generator/job/{job.pk}/print.pdf",
    ]
    staff_client(client)  # staff, with no permission at all
    assert [client.get(url).status_code for url in urls] == [403, 403, 403]
    User.objects.get(username="clerk").user_permissions.set(Permission.objects.filter(codename__in=VIEW_ONLY))
    # The print PDF was never made: not found, but no longer forbidden.
    assert [client.get(url).status_code for url in urls] == [200, 200, 404]


def test_retrying_failed_emails_needs_its_own_permission(client, make_order):
    """Retrying sends customer mail: a clerk who may only look neither sees
    the action nor can post it; the retry_email permission offers it."""
    order = make_order()
    failed = SentEmail.objects.create(
        order=order,
        kind=EmailKind.CONFIRMATION,
        message_id="<failed-1@shop.test>",
        state=EmailState.FAILED,
        attempts=8,
        next_attempt_at=timezone.now(),
        last_error="provider down",
    )
    clerk = staff_client(client, *VIEW_ONLY)
    assert actions_offered(clerk, "/admin/orders/sentemail/") == set()
    post_action(clerk, "/admin/orders/sentemail/", "retry", [failed.pk])
    failed.refresh_from_db()
    assert (failed.state, failed.attempts) == (EmailState.FAILED, 8)

    User.objects.get(username="clerk").user_permissions.add(Permission.objects.get(codename="retry_email"))
    assert actions_offered(clerk, "/admin/orders/sentemail/") == {"retry"}
    post_action(clerk, "/admin/orders/sentemail/", "retry", [failed.pk])
    failed.refresh_from_db()
    assert (failed.state, failed.attempts) == (EmailState.PENDING, 0)
