"""The French message files ship compiled: every deploy path (a Procfile
platform's plain `pip install -r requirements.txt`, the Dockerfile, a clean
clone) speaks French without GNU gettext, and each .mo says exactly what its
.po says (`make messages` compiles them again after an edit)."""

import gettext
import subprocess
import sys

import pytest
from babel.messages.pofile import read_po

from tests.conftest import ROOT

# The shop's catalog and the factory's (the same two `make messages` compiles).
CATALOGS = sorted(
    path for root in ("locale", "generator/locale") for path in ROOT.glob(f"{root}/*/LC_MESSAGES/django.po")
)


def _expected(po_path) -> dict:
    """What the compiled catalog must hold: every translated, non-fuzzy
    message, keyed as Python's gettext keys a .mo ("context\\x04id" for a
    pgettext message, (id, n) for each plural form)."""
    with po_path.open("rb") as handle:
        catalog = read_po(handle)
    expected = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        prefix = f"{message.context}\x04" if message.context else ""
        if message.pluralizable:
            if not all(message.string):
                continue
            for number, text in enumerate(message.string):
                expected[(prefix + message.id[0], number)] = text
        elif message.string:
            expected[prefix + message.id] = message.string
    return expected


def test_every_catalog_is_found():
    assert {path.relative_to(ROOT).as_posix() for path in CATALOGS} >= {
        "locale/fr/LC_MESSAGES/django.po",
        "generator/locale/fr/LC_MESSAGES/django.po",
    }


@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_the_compiled_catalog_is_committed(po_path):
    mo_path = po_path.with_suffix(".mo")
    tracked = subprocess.run(
        ["git", "ls-files", "--error-unmatch", str(mo_path.relative_to(ROOT))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if tracked.returncode == 128 and "not a git repository" in tracked.stderr:
        pytest.skip("not a git checkout")
    assert tracked.returncode == 0, f"{mo_path.relative_to(ROOT)} is not committed: a deploy would speak English"


@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_the_compiled_catalog_says_what_its_po_file_says(po_path):
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path.relative_to(ROOT)} is missing: run make messages"
    with mo_path.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog  # the messages it holds, as gettext reads them
    compiled = {key: text for key, text in compiled.items() if key not in ("", ("", 0))}
    expected = _expected(po_path)
    stale = sorted(str(key) for key in expected.keys() ^ compiled.keys())[:5]
    assert not stale, f"{mo_path.relative_to(ROOT)} differs from its .po ({stale}...): run make messages"
    changed = [key for key, text in expected.items() if compiled[key] != text][:5]
    assert not changed, f"{mo_path.relative_to(ROOT)} translates {changed} differently: run make messages"


def test_production_settings_find_the_french_catalog(tmp_path):
    """Production settings in a fresh process, as a Procfile platform runs
    them (nothing compiled at start): the product name Stripe shows a French
    parent comes out French."""
    show = (
        "from django.utils import translation; from django.utils.translation import gettext;"
        "translation.activate('fr'); print(gettext('Personalized coloring book (PDF, 12 scenes)'))"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "VAR_DIR": str(tmp_path / "var"),
        "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijklmnop",
        "ALLOWED_HOSTS": "shop.example.com",
        "SITE_URL": "https://shop.example.com",
        "STRIPE_SECRET_KEY": "sk_live_example",
        "STRIPE_WEBHOOK_SECRET": "whsec_example",
        "EMAIL_BACKEND": "anymail.backends.postmark.EmailBackend",
        "GEMINI_API_KEY": "example-key",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", show], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "Livre de coloriage personnalisé (PDF, 12 scènes)"
