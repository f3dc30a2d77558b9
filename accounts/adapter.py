"""django-allauth hooks: no open sign-up (accounts come from invitations), our one redirect rule."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect

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
