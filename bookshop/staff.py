"""Staff sign-in's second factor: one-time codes from an authenticator app
(TOTP, django-otp's devices), asked of every staff member when
STAFF_REQUIRE_2FA is set, and of those who enrolled one otherwise.

The first factor, the password, is Django's, behind axes' lockout
(settings: AUTHENTICATION_BACKENDS); the admin's sign-in form
(bookshop/admin_site.py) asks for the code once the password is right.
A wrong code is throttled by django-otp (each failure doubles the wait
before the device accepts another) and counts as a failed sign-in for the
lockout as well.
"""

import base64

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice


class SecondFactorError(Exception):
    """The code was refused; the message says why, for the staff member."""


class SecondFactorMissing(SecondFactorError):
    """A code is required and the account has no authenticator to check it
    with: not a guess, so not counted as a failed sign-in."""


def second_factor_required(user: AbstractBaseUser) -> bool:
    """Whether signing in as `user` needs a one-time code."""
    return settings.STAFF_REQUIRE_2FA or TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def second_factor_verify(*, user: AbstractBaseUser, code: str) -> TOTPDevice:
    """The user's authenticator that accepts `code` (used: it will not
    accept it again), else SecondFactorError."""
    devices = list(TOTPDevice.objects.devices_for_user(user, confirmed=True))
    if not devices:
        raise SecondFactorMissing(
            "Signing in needs a code from an authenticator app, and none is set up for this account: "
            f"ask an administrator to run `manage.py staff_totp_enrol {user.get_username()}`."
        )
    code = "".join(code.split())
    if not code:
        raise SecondFactorError("Enter the 6-digit code your authenticator app shows.")
    allowed = [device for device in devices if device.verify_is_allowed()[0]]
    if not allowed:
        raise SecondFactorError("Too many wrong codes: wait a minute, then enter the code your app shows.")
    for device in allowed:
        if device.verify_token(code):
            return device
    raise SecondFactorError("That code is wrong or has expired: enter the one your authenticator app shows now.")


@transaction.atomic
def totp_enrol(*, user: AbstractBaseUser, replace: bool = False) -> TOTPDevice:
    """A new authenticator for `user`, in use at once: from the next
    sign-in on, the password alone no longer lets them in. `replace` first
    removes their others (a lost phone)."""
    if replace:
        TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def totp_secret(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it when typed in (base32)."""
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
