"""The storefront's brand font is a file browsers accept: Chromium's font
sanitizer (OTS) rejected the shipped OTF because its CFF font name has a space."""

import re

from fontTools.ttLib import TTFont

from tests.conftest import ROOT

FONTS = ROOT / "static" / "fonts"
# Characters OTS refuses in a CFF Name INDEX entry (besides anything outside 33..126).
CFF_NAME_FORBIDDEN = set("[](){}<>/%")


def test_the_web_font_is_a_woff2_with_a_cff_name_ots_accepts():
    font = TTFont(FONTS / "CherryBomb-Regular.woff2")
    assert font.flavor == "woff2"
    for table in ("cmap", "head", "hhea", "hmtx", "maxp", "name", "OS/2", "post", "CFF "):
        assert table in font, table
    for name in font["CFF "].cff.fontNames:
        assert name and all(33 <= ord(char) <= 126 and char not in CFF_NAME_FORBIDDEN for char in name), name
    # Every letter of a title still has its glyph.
    cmap = font.getBestCmap()
    assert all(ord(char) in cmap for char in "AZaz09!?")


def test_the_stylesheet_loads_the_web_font():
    css = (ROOT / "static" / "css" / "shop.css").read_text()
    rule = re.search(r'@font-face \{ font-family: "Cherry Bomb";[^}]*\}', css).group(0)
    assert 'url("../fonts/CherryBomb-Regular.woff2") format("woff2")' in rule
