"""System checks for settings that would quietly weaken security in production."""

from django.conf import settings
from django.core.checks import Error, register

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
