"""What the load balancer asks: can this process reach the database, the cache and the task broker?"""

import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import connection

BROKER_TIMEOUT_SECONDS = 2  # the load balancer's probe must answer quickly even when the broker hangs


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache() -> None:
    key, value = "health-probe", secrets.token_hex(8)
    cache.set(key, value, timeout=10)
    if cache.get(key) != value:
        raise RuntimeError("cache did not return what was stored")


def _broker() -> None:
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT_SECONDS)


CHECKS = {"database": _database, "cache": _cache, "broker": _broker}


def health_checks() -> dict[str, str]:
    """Each component as "ok", "unavailable" or "skipped" (the broker with in-process tasks); never an error text,
    which could name hosts or credentials."""
    results = {}
    for name, check in CHECKS.items():
        if name == "broker" and settings.CELERY_TASK_ALWAYS_EAGER:
            results[name] = "skipped"
            continue
        try:
            check()
        except Exception:
            results[name] = "unavailable"
        else:
            results[name] = "ok"
    return results
