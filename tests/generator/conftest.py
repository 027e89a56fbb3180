"""Fixtures for the generator's tests: the fake Gemini server."""

from tests.fakes.gemini import fake_gemini

__all__ = ["fake_gemini"]
