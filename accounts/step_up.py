"""Step-up: sensitive actions ask for a second factor passed within the last few minutes."""

from functools import wraps
from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

from .redirects import safe_redirect_url
from .services import mfa_verified_recently


def step_up_url(next_url: str) -> str:
    """Where to send a user who must confirm a fresh code before returning to `next_url`."""
    return f"{reverse('accounts:mfa-verify')}?{urlencode({'next': next_url, 'step_up': '1'})}"


def require_step_up(view):
    """Decorate a view so that it runs only within MFA_STEP_UP_SECONDS of a passed second factor.

    A POST that arrives without a fresh factor is not carried out: the user confirms a code and is
    sent back to the page, where they submit again (nothing is replayed behind their back)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if mfa_verified_recently(request):
            return view(request, *args, **kwargs)
        back = request.get_full_path() if request.method == "GET" else request.META.get("HTTP_REFERER", "")
        return redirect(step_up_url(safe_redirect_url(request, back, reverse("workspace:dashboard"))))

    return wrapped
