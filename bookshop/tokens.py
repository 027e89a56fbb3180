"""What a token in a URL may be: the alphabet `generator.models.new_token`
draws from (URL-safe base64), at most the 64 characters a token column holds.

The `<token:...>` path converter refuses anything else before a view runs,
so a NUL byte, a stray `%` or a 10,000-character "token" is a 404 like an
unknown token, and never reaches the database (PostgreSQL refuses NUL in a
text parameter: a 500 on every route that looked it up). Tokens read from a
form field or a query string go through `readable_token`.
"""

import re

TOKEN_REGEX = r"[A-Za-z0-9_-]{1,64}"  # noqa: S105 (a pattern, not a secret)
_TOKEN = re.compile(TOKEN_REGEX)


def readable_token(value: str) -> str | None:
    """`value` if it could be a token, else None."""
    return value if _TOKEN.fullmatch(value) else None


class TokenConverter:
    regex = TOKEN_REGEX

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        if readable_token(str(value)) is None:
            # reverse() then says no URL matches, instead of building one.
            raise ValueError(f"not a token: {value!r}")
        return value
