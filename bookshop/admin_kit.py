"""What the shop's admin (orders) and the factory's admin (generator) share:
no add or delete by hand, one permission per staff action, a yes/no list
filter, and the loop every "for each selected row" action runs.

This module imports nothing from either app, so each admin can use it
without reaching into the other.
"""

from collections.abc import Callable, Iterable
from typing import TypeVar

from django.contrib import admin, messages
from django.db.models import Q
from django.utils.text import capfirst

Row = TypeVar("Row")


class StaffViewOnly:
    """Orders, jobs and events are made by the shop, never added or deleted
    by hand: staff change them through actions, which go through services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StaffPermissions:
    """Staff actions that move money, send mail or spend on images each need
    their own permission (Order.Meta, SentEmail.Meta and Job.Meta): Django hides an action
    from, and refuses it to, a user without the permission it names in
    allowed_permissions (has_<name>_permission below)."""

    def has_refund_permission(self, request) -> bool:
        return request.user.has_perm("orders.refund_order")

    def has_cancel_permission(self, request) -> bool:
        return request.user.has_perm("orders.cancel_order")

    def has_resend_delivery_permission(self, request) -> bool:
        return request.user.has_perm("orders.resend_delivery")

    def has_retry_email_permission(self, request) -> bool:
        return request.user.has_perm("orders.retry_email")

    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm("generator.retry_job")

    def has_regenerate_permission(self, request) -> bool:
        return request.user.has_perm("generator.regenerate_pages")

    def has_print_pdf_permission(self, request) -> bool:
        return request.user.has_perm("generator.make_print_pdf")


class YesNoFilter(admin.SimpleListFilter):
    """A yes/no list filter: "yes" keeps the rows matching `condition`, "no"
    the others."""

    condition: Q

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(self.condition)
        if self.value() == "no":
            return queryset.exclude(self.condition)
        return queryset


def row_name(row) -> str:
    """A model instance as staff read it in a message: "Order 12", "Job 7"."""
    return f"{capfirst(row._meta.verbose_name)} {row.pk}"


def run_each(
    modeladmin: admin.ModelAdmin,
    request,
    rows: Iterable[Row],
    action: Callable[[Row], object],
    *,
    errors: tuple[type[Exception], ...],
    done: str = "{}",
    level: int = messages.SUCCESS,
    describe: Callable[[Row], str] = row_name,
) -> int:
    """Call `action` on each row, then tell staff how each went.

    A row whose action raises one of `errors` (the refusals of the services
    called) is reported as an error, "<describe(row)>: <the error>", and the
    others still run; any other exception is a bug and propagates. A row that
    went through is reported at `level` as "<describe(row)>: <done>.", where
    `{}` in `done` stands for what `action` returned (by default the message
    is just that). Successes come first, then errors. Returns how many rows
    went through."""
    outcomes: list[str] = []
    refusals: list[str] = []
    for row in rows:
        try:
            result = action(row)
        except errors as exc:
            refusals.append(f"{describe(row)}: {exc}")
        else:
            outcomes.append(f"{describe(row)}: {done.format(result)}.")
    for outcome in outcomes:
        modeladmin.message_user(request, outcome, level)
    for refusal in refusals:
        modeladmin.message_user(request, refusal, messages.ERROR)
    return len(outcomes)
