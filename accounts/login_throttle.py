"""Failed sign-ins slow down the address that makes them, never the account's owner elsewhere.

django-allauth limits attempts per client address (ACCOUNT_RATE_LIMITS). It cannot key on an account and an
address together, and a limit on the account alone lets anyone who knows an email address lock its owner out.
So failures are counted here, in the shared cache, twice: per (account, address) — after
LOGIN_FAILURES_PER_ADDRESS that address waits, for that account only — and per account — after the much
larger LOGIN_FAILURES_PER_ACCOUNT, spread over many addresses, every address that has failed for the account
waits too (audited once as auth.account_throttled). An address with no failures for the account may still
sign in, and a password reset clears the counts. Unknown accounts are counted alike, so the answer never
says whether an account exists.
"""

import hashlib
import ipaddress

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from audit.services import audit_record, client_ip

IPV6_PREFIX = 64  # one subscriber usually holds a whole /64: counting single addresses would be no limit


def _account(email: str) -> str:
    # Hashed: cache keys must be short and plain, and the cache need not hold the address book.
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def _address(request: HttpRequest) -> str:
    ip = client_ip(request) or "unknown"
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if addr.version == 6:
        return str(ipaddress.ip_network(f"{addr}/{IPV6_PREFIX}", strict=False).network_address)
    return str(addr)


def _pair_key(email: str, request: HttpRequest) -> str:
    return f"login-failures:pair:{_account(email)}:{_address(request)}"


def _account_key(email: str) -> str:
    return f"login-failures:account:{_account(email)}"


def _count(key: str) -> int:
    return cache.get(key, 0)


def _add(key: str, timeout: int) -> int:
    # add() starts the window only when the key is new, so the window is fixed from the first failure.
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=timeout)
        return 1


def login_throttled(*, request: HttpRequest, email: str) -> bool:
    """True when this address must wait before trying this account again; never for a clean address."""
    pair = _count(_pair_key(email, request))
    if pair >= settings.LOGIN_FAILURES_PER_ADDRESS:
        return True
    return pair > 0 and _count(_account_key(email)) >= settings.LOGIN_FAILURES_PER_ACCOUNT


def login_failure_record(*, request: HttpRequest, email: str) -> None:
    """Count one failed sign-in for the account and address; audit the moment the account-wide limit is hit."""
    _add(_pair_key(email, request), settings.LOGIN_FAILURES_PER_ADDRESS_WINDOW_SECONDS)
    total = _add(_account_key(email), settings.LOGIN_FAILURES_PER_ACCOUNT_WINDOW_SECONDS)
    if total == settings.LOGIN_FAILURES_PER_ACCOUNT:
        audit_record(
            action="auth.account_throttled",
            data={"email": email.strip().lower()[:254], "failures": total},
            request=request,
        )


def login_failures_clear(*, request: HttpRequest, email: str) -> None:
    """Forget the account-wide count and this address's count for the account (after a password reset)."""
    cache.delete_many([_account_key(email), _pair_key(email, request)])
