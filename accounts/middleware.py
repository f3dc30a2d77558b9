"""Session rules applied to every request: absolute lifetime, the MFA gate, no caching of private pages."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control

from .services import mfa_has_confirmed_device

SESSION_STARTED_AT = "auth_started_at"
SUSPENDED_MESSAGE = (
    "Your organisation's access has been suspended. Contact your account manager if you think this is a mistake."
)


def organisation_suspended(user) -> bool:
    """True for a customer whose organisation is suspended (the kill switch): they are signed out and refused."""
    return bool(user.is_authenticated and user.organisation_id and user.organisation.suspended_at is not None)


# URL names a signed-in user may reach before passing the second factor. Keep this list short:
# a test walks every URL pattern and fails on anything else that answers.
MFA_EXEMPT_URL_NAMES = frozenset(
    {
        "accounts:mfa-enrol",
        "accounts:mfa-verify",
        "account_logout",
        "health",
        "reports:verify",
        "reports:ca-certificate",
        "trust:trust-page",
        "trust:document-download",
        "trust:request-access",
        "trust:request-sent",
    }
)


class SessionLifetimeMiddleware:
    """Ends a signed-in session SESSION_ABSOLUTE_LIFETIME_SECONDS after sign-in, however active, and at once
    for a customer whose organisation is suspended. (The idle timeout is the session cookie age, renewed on
    every request.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if organisation_suspended(request.user):
            # Suspending also bumps each member's session generation; this catches any session that outlives it.
            logout(request)
            messages.error(request, SUSPENDED_MESSAGE)
            return redirect(settings.LOGIN_URL)
        if request.user.is_authenticated:
            started = request.session.get(SESSION_STARTED_AT)
            if started is None:
                request.session[SESSION_STARTED_AT] = time.time()
            elif time.time() - float(started) > settings.SESSION_ABSOLUTE_LIFETIME_SECONDS:
                logout(request)
                messages.info(request, "Your session has ended. Please sign in again.")
                return redirect(settings.LOGIN_URL)
        return self.get_response(request)


class MfaRequiredMiddleware:
    """A session that has passed only the password reaches the MFA pages and logout, nothing else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        match = request.resolver_match
        if match is not None and match.view_name in MFA_EXEMPT_URL_NAMES:
            return None
        target = "accounts:mfa-verify" if mfa_has_confirmed_device(user) else "accounts:mfa-enrol"
        url = reverse(target)
        if request.method == "GET":
            url = f"{url}?{urlencode({'next': request.get_full_path()})}"
        return redirect(url)


class NoStoreForSignedInMiddleware:
    """Pages seen by a signed-in user are never kept by browsers or proxies."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        was_signed_in = request.user.is_authenticated
        response = self.get_response(request)
        if was_signed_in or request.user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response
