"""What the shop's and the factory's admins share; imports neither app."""

from django.contrib import admin
from django.db.models import Q


class StaffViewOnly:
    """Orders, jobs and events are made by the shop, never added or deleted
    by hand: staff change them through actions, which go through services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StaffPermissions:
    """Staff actions that move money, send mail or spend on images each need
    their own permission (Order.Meta and Job.Meta): Django hides an action
    from, and refuses it to, a user without the permission it names in
    allowed_permissions (has_<name>_permission below)."""

    def has_refund_permission(self, request) -> bool:
        return request.user.has_perm("orders.refund_order")

    def has_cancel_permission(self, request) -> bool:
        return request.user.has_perm("orders.cancel_order")

    def has_resend_delivery_permission(self, request) -> bool:
        return request.user.has_perm("orders.resend_delivery")

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
