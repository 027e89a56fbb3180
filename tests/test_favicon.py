"""Every page names the shop's icon (the issue found none), and the icon
files are what they claim: an SVG and a 32x32 PNG, served as static files."""

import re

import pytest
from PIL import Image

from tests.conftest import ROOT

pytestmark = pytest.mark.django_db


def test_every_page_links_the_favicon_and_the_files_are_real(client):
    for path in ("/", "/faq/", "/no-such-page/"):
        body = client.get(path).content.decode()
        icons = dict(re.findall(r'<link rel="icon" href="([^"]+)" type="([^"]+)"', body))
        assert set(icons.values()) == {"image/svg+xml", "image/png"}, path
    svg = (ROOT / "static" / "img" / "favicon.svg").read_text()
    assert re.match(r'\s*(<\?xml[^>]*>\s*)?<svg [^>]*viewBox="[^"]+"', svg)
    with Image.open(ROOT / "static" / "img" / "favicon-32.png") as png:
        assert (png.format, png.size) == ("PNG", (32, 32))
