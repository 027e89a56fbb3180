"""Buttons' text meets WCAG AA (4.5:1) against their background, read from
the stylesheet itself (custom properties resolved) and from the emails."""

import re

import pytest

from tests.conftest import ROOT

CSS = (ROOT / "static" / "css" / "shop.css").read_text()
AA = 4.5


def luminance(hex_color: str) -> float:
    hex_color = hex_color.lstrip("#")
    if len(hex_color) == 3:
        hex_color = "".join(char * 2 for char in hex_color)
    channels = [int(hex_color[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    light, dark = sorted([luminance(a), luminance(b)], reverse=True)
    return (light + 0.05) / (dark + 0.05)


def rule(selector: str) -> dict[str, str]:
    """The declarations of the rule whose selector list starts with `selector`,
    with var(--x) replaced by the :root values."""
    root = dict(re.findall(r"(--[\w-]+):\s*([^;]+);", re.search(r":root \{([^}]*)\}", CSS).group(1)))
    body = re.search(re.escape(selector) + r"[^{]*\{([^}]*)\}", CSS).group(1)
    declarations = dict(re.findall(r"([\w-]+):\s*([^;]+);", body))
    return {
        key: re.sub(r"var\((--[\w-]+)(?:,[^)]*)?\)", lambda m: root[m.group(1)].strip(), value)
        for key, value in declarations.items()
    }


def color(value: str) -> str:
    return re.search(r"#[0-9a-fA-F]{3,6}\b", value).group(0)


def test_the_contrast_function_matches_known_values():
    assert contrast("#ffffff", "#000000") == pytest.approx(21)
    assert contrast("#ffffff", "#ff6f59") == pytest.approx(2.74, abs=0.01)  # the old button


@pytest.mark.parametrize(
    ("selector", "text", "background"),
    [
        ("button.primary, a.primary", "color", "background"),
        ("details.look summary::before", "color", "background"),
    ],
)
def test_text_on_the_accent_meets_aa(selector, text, background):
    declarations = rule(selector)
    assert contrast(color(declarations[text]), color(declarations[background])) >= AA


def test_secondary_buttons_and_kickers_meet_aa_on_white():
    assert contrast(color(rule("button.secondary, a.secondary")["color"]), "#ffffff") >= AA
    assert contrast(color(rule(".preview .kicker")["color"]), "#ffffff") >= AA


def test_the_accent_on_the_page_background_is_readable_as_a_link_or_border():
    accent = color(rule("button.primary, a.primary")["background"])
    assert contrast(accent, color(rule("body")["background"])) >= AA


@pytest.mark.parametrize("kind", ["confirmation", "delayed", "delivery"])
def test_email_buttons_meet_aa(paid_order, kind):
    from orders.emails import email_build
    from orders.models import SentEmail

    html = email_build(email=SentEmail(order=paid_order(), kind=kind, message_id="<x@test>"))[0].alternatives[0][0]
    style = re.search(r'<a [^>]*style="display:inline-block;([^"]*)"', html).group(1)
    background = re.search(r"background:(#[0-9a-fA-F]{3,6})", style).group(1)
    text = re.search(r"[;\s]color:(#[0-9a-fA-F]{3,6})", ";" + style).group(1)
    assert contrast(text, background) >= AA
