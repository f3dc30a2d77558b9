"""django-allauth hooks: no open sign-up (accounts come from invitations), our one redirect rule."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from audit.services import client_ip

from . import login_throttle
from .redirects import safe_redirect_url


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return False

    def pre_login(self, request, user, **kwargs):
        """A customer of a suspended organisation is refused at sign-in, with a message that says why."""
        from .middleware import SUSPENDED_MESSAGE, organisation_suspended

        if user.is_active and organisation_suspended(user):
            from allauth.account.internal.stagekit import clear_login

            clear_login(request)
            messages.error(request, SUSPENDED_MESSAGE)
            return redirect(settings.LOGIN_URL)
        return super().pre_login(request, user, **kwargs)

    def is_safe_url(self, url: str) -> bool:
        return bool(url) and safe_redirect_url(context.request, url, "") == url

    def get_client_ip(self, request) -> str:
        """allauth's rate limits and session records use the one client-address rule (behind proxies too)."""
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def pre_authenticate(self, request, **credentials) -> None:
        """Per address (allauth), then per account and address (login_throttle): the same message for all."""
        super().pre_authenticate(request, **credentials)
        if login_throttle.login_throttled(request=request, email=self._login_of(credentials)):
            raise self.validation_error("too_many_login_attempts")

    def authentication_failed(self, request, **credentials) -> None:
        login_throttle.login_failure_record(request=request, email=self._login_of(credentials))

    def _delete_login_attempts_cached_email(self, request, **credentials) -> None:
        # allauth calls this after a successful password reset: the owner proved control of the mailbox.
        super()._delete_login_attempts_cached_email(request, **credentials)
        login_throttle.login_failures_clear(request=request, email=self._login_of(credentials))

    @staticmethod
    def _login_of(credentials: dict) -> str:
        return str(credentials.get("email", credentials.get("username", "")) or "")
