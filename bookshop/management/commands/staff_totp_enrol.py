"""`manage.py staff_totp_enrol <username> [--replace]`: give a staff member
an authenticator (TOTP), and print the secret to type into their app."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from bookshop import staff


class Command(BaseCommand):
    help = "Give a staff member an authenticator app (TOTP) for signing in; prints its secret."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--replace", action="store_true", help="remove their other authenticators (a lost phone)")

    def handle(self, *args, username: str, replace: bool, **options) -> None:
        user_model = get_user_model()
        try:
            user = user_model.objects.get(**{user_model.USERNAME_FIELD: username})
        except user_model.DoesNotExist:
            raise CommandError(f"No account named {username!r}.")
        device = staff.totp_enrol(user=user, replace=replace)
        self.stdout.write(
            f"Authenticator for {username}: in the app, add an account by its key (time-based, 6 digits).\n"
            f"  key: {staff.totp_secret(device)}\n"
            f"  or this URI (a QR code made from it): {device.config_url}\n"
            "From the next sign-in on, the admin asks for the app's code after the password.\n"
            "Give the key to the staff member only, and by a channel you trust."
        )
