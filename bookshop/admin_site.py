"""The admin site staff sign in to: Django's, with a one-time code asked
after the password when the second factor applies (bookshop/staff.py), and
the admin refused to a session that skipped it."""

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.signals import user_login_failed

from bookshop import staff


class StaffAuthenticationForm(AdminAuthenticationForm):
    otp_token = forms.CharField(
        label="Code from your authenticator app",
        required=False,
        max_length=12,
        help_text="Only if your account has an authenticator app (six digits, a new one every 30 seconds).",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean(self):
        cleaned = super().clean()  # the password, behind the lockout
        user = self.get_user()
        if user is not None and staff.second_factor_required(user):
            try:
                # Kept on the user, django-otp marks the session verified at login.
                user.otp_device = staff.second_factor_verify(user=user, code=cleaned.get("otp_token") or "")
            except staff.SecondFactorError as exc:
                if not isinstance(exc, staff.SecondFactorMissing):
                    # A guessed code counts toward the lockout like a guessed password.
                    user_login_failed.send(
                        sender=__name__, credentials={"username": user.get_username()}, request=self.request
                    )
                raise forms.ValidationError(str(exc), code="second_factor")
        return cleaned


class StaffAdminSite(admin.AdminSite):
    login_form = StaffAuthenticationForm
    login_template = "admin/staff_login.html"

    def has_permission(self, request) -> bool:
        if not super().has_permission(request):
            return False
        user = request.user
        # is_verified comes from django-otp's middleware: signed in with a code.
        return getattr(user, "is_verified", lambda: False)() or not staff.second_factor_required(user)
