"""The web process stays light: serving the shop and the admin never loads
the image and PDF libraries, which live in the worker."""

import subprocess
import sys

from tests.conftest import ROOT

SCRIPT = """
import os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "bookshop.settings"
from django.core.wsgi import get_wsgi_application
application = get_wsgi_application()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth.models import User
from django.test import Client
staff = User.objects.create_superuser("staff", "staff@example.com", "pw")
client = Client()
for url in ("/", "/healthz", "/orders/unknown/status.json"):
    client.get(url)
client.post("/order/", {"email": "a@example.com", "theme": "cats", "child_name": "", "age_group": "kids",
                        "paper_size": "a4"})
client.force_login(staff)
for url in ("/admin/", "/admin/orders/order/", "/admin/generator/job/", "/admin/generator/job/dashboard/"):
    assert client.get(url).status_code == 200, url
heavy = [name for name in ("weasyprint", "google.genai", "vtracer", "generator.pdf") if name in sys.modules]
print("HEAVY:" + ",".join(heavy))
"""


def test_web_requests_do_not_import_the_worker_libraries(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "VAR_DIR": str(tmp_path), "DEBUG": "1"}
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "HEAVY:\n" in result.stdout
