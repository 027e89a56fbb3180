"""What a book costs, and how a price reads in the visitor's language.

BOOK_PRICES holds one price per currency (cents); BOOK_LANGUAGE_CURRENCIES
says which currency a language pays in (a French visitor may pay in euros);
any language not named pays in BOOK_CURRENCY. Prices are written as the
language writes them ("$9.99" in English, "9,99 $US" in French), by Babel's
CLDR data.
"""

from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import format_currency
from django.conf import settings
from django.utils import translation


@dataclass(frozen=True)
class Price:
    cents: int
    currency: str  # lower case, as Stripe writes it


def book_price(language: str | None = None) -> Price:
    """The price of a book for a visitor speaking `language` (the active one by default)."""
    language = (language or translation.get_language() or settings.LANGUAGE_CODE)[:2]
    prices = {settings.BOOK_CURRENCY: settings.BOOK_PRICE_CENTS} | settings.BOOK_PRICES
    currency = settings.BOOK_LANGUAGE_CURRENCIES.get(language, settings.BOOK_CURRENCY)
    if currency not in prices:
        currency = settings.BOOK_CURRENCY
    return Price(cents=prices[currency], currency=currency)


def price_text(cents: int, currency: str, language: str | None = None) -> str:
    """`cents` of `currency` as `language` (the active one by default) writes it."""
    locale = translation.to_locale(language or translation.get_language() or settings.LANGUAGE_CODE)
    # English's CLDR default (en_US) writes other dollars as "CA$"; French writes "9,99 $US".
    locale = {"en": "en_US"}.get(locale, locale)
    return format_currency(Decimal(cents) / 100, currency.upper(), locale=locale)
