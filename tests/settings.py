"""Settings for the test run: the shop's own, with DEBUG on.

DEBUG is off unless DEBUG=1 (production refuses to start without its
secrets), and pytest-django loads the settings before any conftest runs, so
the variable is set here, before `bookshop.settings` reads it. Processes the
tests start inherit it (and this module, through DJANGO_SETTINGS_MODULE);
a test that wants production settings in a subprocess passes its own clean
environment (tests/test_settings.py).
"""

import os

os.environ["DEBUG"] = "1"

from bookshop.settings import *  # noqa: E402, F403

# The worker processes the tests start read these settings too: they look
# for tasks and for emails to send more often than production needs to, so
# a test does not wait out a poll interval at each step.
Q_CLUSTER = {**Q_CLUSTER, "poll": 0.1}  # noqa: F405
OUTBOX_POLL_SECONDS = 0.2
