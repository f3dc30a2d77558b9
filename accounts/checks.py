"""System checks for settings that would quietly weaken security in production."""

from django.conf import settings
from django.core.checks import Error, Warning, register

LOCAL_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
    "django.core.cache.backends.filebased.FileBasedCache",
)


@register("security")
def check_shared_cache(app_configs, **kwargs):
    """Login rate limits and OTP throttling live in the cache: with several processes it must be shared."""
    if settings.DEBUG:
        return []
    backend = settings.CACHES["default"]["BACKEND"]
    if backend in LOCAL_CACHES:
        return [
            Error(
                f"The default cache is {backend}, which each process keeps to itself.",
                hint="Set REDIS_URL so that login rate limits and OTP replay checks are shared.",
                id="accounts.E001",
            )
        ]
    return []


@register("security")
def check_trusted_proxies(app_configs, **kwargs):
    """Behind a TLS proxy every client shares the proxy's address unless the proxies are counted."""
    if settings.SECURE_PROXY_SSL_HEADER and settings.TRUSTED_PROXY_COUNT == 0:
        return [
            Warning(
                "BEHIND_TLS_PROXY is on but TRUSTED_PROXY_COUNT is 0: rate limits and the audit trail "
                "see the proxy's address for every client.",
                hint="Set TRUSTED_PROXY_COUNT to the number of proxies that append to X-Forwarded-For.",
                id="accounts.W001",
            )
        ]
    return []
