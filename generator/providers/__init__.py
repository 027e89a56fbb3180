"""Image providers behind one interface. Heavy SDKs load only in the worker,
when the provider is first asked for."""

from importlib import import_module

from django.conf import settings

from generator.providers.base import (
    Appearance,
    Brief,
    CallsStopped,
    ImageProvider,
    ImageRefused,
    ProviderError,
    QuotaPaused,
    ScenesRefused,
    Usage,
)

PROVIDERS = {
    "offline": "generator.providers.offline.OfflineProvider",
    "gemini": "generator.providers.gemini.GeminiProvider",
}


def provider_get(name: str | None = None, *, usage: Usage | None = None) -> ImageProvider:
    module_name, class_name = PROVIDERS[name or settings.IMAGE_PROVIDER].rsplit(".", 1)
    return getattr(import_module(module_name), class_name)(usage=usage)


__all__ = [
    "Appearance",
    "Brief",
    "CallsStopped",
    "ImageProvider",
    "ImageRefused",
    "ProviderError",
    "QuotaPaused",
    "ScenesRefused",
    "Usage",
    "provider_get",
]
