"""django-allauth hooks: no open sign-up (accounts come from invitations), our one redirect rule."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context

from .redirects import safe_redirect_url


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return False

    def is_safe_url(self, url: str) -> bool:
        return bool(url) and safe_redirect_url(context.request, url, "") == url
