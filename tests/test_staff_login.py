"""Staff sign-in: repeated failures lock the account and the address apart,
and a locked-out attempt is refused before the password's hash is computed
(PBKDF2: most of a second of CPU each); staff are told why and how to be
unlocked. With STAFF_REQUIRE_2FA, or an authenticator enrolled, the admin
also needs a one-time code (TOTP)."""

import base64
import hashlib
import hmac
import io
import re
import struct
import time

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import User
from django.core.management import call_command

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"
HOME = "203.0.113.10"
LIMIT = 5  # STAFF_LOGIN_FAILURE_LIMIT's default


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT


@pytest.fixture
def hashes(monkeypatch) -> list[str]:
    """Every PBKDF2 hash computed (checking a password computes one, and so
    does a sign-in for an unknown name), with fewer iterations than
    production so that a hundred attempts before the fix take seconds."""
    monkeypatch.setattr(PBKDF2PasswordHasher, "iterations", 1000)
    computed: list[str] = []
    real = PBKDF2PasswordHasher.encode

    def encode(self, password, salt, iterations=None):
        computed.append(password)
        return real(self, password, salt, iterations)

    monkeypatch.setattr(PBKDF2PasswordHasher, "encode", encode)
    return computed


@pytest.fixture
def staff_user(hashes) -> User:
    user = User.objects.create_user("alice", password=PASSWORD, is_staff=True, is_superuser=True)
    hashes.clear()
    return user


def sign_in(client, username: str, password: str, address: str = HOME, **fields):
    return client.post(
        "/admin/login/",
        {"username": username, "password": password, "next": "/admin/", **fields},
        REMOTE_ADDR=address,
    )


def signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


def test_a_hundred_wrong_passwords_then_the_right_one_is_locked_out(client, settings, staff_user, hashes):
    answers = [sign_in(client, "alice", f"guess-{n}").status_code for n in range(100)]
    # Refused as wrong until the limit, then locked out (429 Too Many Requests).
    assert answers[: LIMIT - 1] == [200] * (LIMIT - 1)
    assert set(answers[LIMIT:]) == {429}
    # Only the attempts before the lockout cost a hash.
    assert len(hashes) == LIMIT

    response = sign_in(client, "alice", PASSWORD)
    assert response.status_code == 429
    assert len(hashes) == LIMIT  # the right password was not even checked
    assert client.get("/admin/").status_code == 302  # not signed in


def test_the_locked_out_staff_member_is_told_why_and_how_to_be_unlocked(client, settings, staff_user):
    for n in range(LIMIT):
        sign_in(client, "alice", f"guess-{n}")
    page = sign_in(client, "alice", PASSWORD).content.decode()
    assert "Sign-in locked" in page
    assert "manage.py axes_reset_username alice" in page
    assert "Axes › Access attempts" in page

    call_command("axes_reset_username", "alice", stdout=io.StringIO())
    assert signed_in(sign_in(client, "alice", PASSWORD))


def test_one_address_is_locked_whatever_names_it_tries(client, settings, staff_user, hashes):
    User.objects.create_user("bob", password=PASSWORD, is_staff=True)
    for n in range(LIMIT):
        sign_in(client, f"nobody-{n}", "guess", address="198.51.100.7")
    hashes.clear()
    # The right password of a real account, from that address: refused unchecked.
    assert sign_in(client, "bob", PASSWORD, address="198.51.100.7").status_code == 429
    assert hashes == []
    # The same account from elsewhere is not locked.
    assert signed_in(sign_in(client, "bob", PASSWORD, address=HOME))


def test_one_account_is_locked_from_every_address(client, settings, staff_user, hashes):
    User.objects.create_user("bob", password=PASSWORD, is_staff=True)
    for n in range(LIMIT):
        sign_in(client, "alice", "guess", address=f"192.0.2.{n + 1}")
    hashes.clear()
    assert sign_in(client, "alice", PASSWORD, address="192.0.2.200").status_code == 429
    assert hashes == []
    # Another account, from that same fresh address, still signs in.
    assert signed_in(sign_in(client, "bob", PASSWORD, address="192.0.2.200"))


def test_a_success_before_the_limit_forgets_the_failures(client, settings, staff_user):
    for _ in range(3):
        for n in range(LIMIT - 1):
            sign_in(client, "alice", f"typo-{n}")
        assert signed_in(sign_in(client, "alice", PASSWORD))
        client.post("/admin/logout/")


# The second factor ------------------------------------------------------


def totp(secret: str, at: float | None = None) -> str:
    """The code an authenticator app shows (RFC 6238: HMAC-SHA1, 30 s, 6 digits)."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def enrol(username: str) -> str:
    out = io.StringIO()
    call_command("staff_totp_enrol", username, stdout=out)
    assert f"otpauth://totp/Crayon%20Tales%3A{username}?secret=" in out.getvalue()
    return re.search(r"key: ([A-Z2-7]+)", out.getvalue()).group(1)


def test_with_2fa_required_the_password_alone_does_not_open_the_admin(client, settings, staff_user):
    settings.STAFF_REQUIRE_2FA = True
    # No authenticator yet: refused, saying how to get one.
    refused = sign_in(client, "alice", PASSWORD)
    assert refused.status_code == 200
    assert "manage.py staff_totp_enrol alice" in refused.content.decode()
    assert client.get("/admin/").status_code == 302

    secret = enrol("alice")
    assert not signed_in(sign_in(client, "alice", PASSWORD))  # no code
    code = totp(secret)
    assert signed_in(sign_in(client, "alice", PASSWORD, otp_token=code))
    assert client.get("/admin/").status_code == 200
    client.post("/admin/logout/")
    # A code is good once, and a wrong one never.
    assert not signed_in(sign_in(client, "alice", PASSWORD, otp_token=code))
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    assert not signed_in(sign_in(client, "alice", PASSWORD, otp_token=wrong))
    assert client.get("/admin/").status_code == 302


def test_with_2fa_required_a_session_without_the_code_is_refused(client, settings, staff_user):
    client.force_login(staff_user)  # a password-only session, from before the setting
    assert client.get("/admin/").status_code == 200
    settings.STAFF_REQUIRE_2FA = True
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_without_the_setting_only_enrolled_staff_are_asked_for_a_code(client, settings, staff_user):
    settings.STAFF_REQUIRE_2FA = False
    User.objects.create_user("bob", password=PASSWORD, is_staff=True)
    assert signed_in(sign_in(client, "bob", PASSWORD))
    client.post("/admin/logout/")
    secret = enrol("alice")
    assert not signed_in(sign_in(client, "alice", PASSWORD))
    assert signed_in(sign_in(client, "alice", PASSWORD, otp_token=totp(secret)))


def test_wrong_codes_count_toward_the_lockout(client, settings, staff_user, hashes):
    settings.STAFF_REQUIRE_2FA = True
    enrol("alice")
    for _ in range(LIMIT):
        sign_in(client, "alice", PASSWORD, otp_token="000000")
    assert sign_in(client, "alice", PASSWORD, otp_token="000000").status_code == 429
