"""Step-up: sensitive actions ask for a second factor passed within the last few minutes.

The form of every such action carries its own code field while a fresh factor is due (the partial
`accounts/_step_up_field.html`), so one submit with a right code does the action. A wrong or missing
code does nothing and says so; the person stays on the page they were on.
"""

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from .redirects import safe_redirect_url
from .services import mfa_verified_recently, mfa_verify

STEP_UP_FIELD = "otp_code"


def step_up_url(next_url: str) -> str:
    """Where to send a user who must confirm a fresh code before returning to `next_url` (GET pages)."""
    return f"{reverse('accounts:mfa-verify')}?{urlencode({'next': next_url, 'step_up': '1'})}"


def step_up_refusal(request) -> str | None:
    """None when this request may do a sensitive action: the session passed a second factor recently, or
    the form carried a right code (checked here, once). Otherwise what the person must do, in words."""
    if mfa_verified_recently(request):
        return None
    code = (request.POST.get(STEP_UP_FIELD) or "").strip()
    if not code:
        return "Enter the code from your authenticator app to confirm. Nothing was changed."
    result = mfa_verify(request=request, code=code[:64])
    if result.ok:
        return None
    if result.retry_after_seconds:
        return f"Too many wrong codes: wait {result.retry_after_seconds} seconds, then try again. Nothing was changed."
    return "That code did not match (codes work once, and only while they are shown). Nothing was changed."


def require_step_up(view):
    """Run the view only with a fresh second factor. A POST may carry the code itself (`otp_code`); when it
    does not, or the code is wrong, nothing is done and the person is sent back to the page with a message.
    A GET goes through the code page and comes back."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method != "POST":
            if mfa_verified_recently(request):
                return view(request, *args, **kwargs)
            return redirect(step_up_url(request.get_full_path()))
        refusal = step_up_refusal(request)
        if refusal is None:
            return view(request, *args, **kwargs)
        messages.error(request, refusal)
        back = request.POST.get("next") or request.META.get("HTTP_REFERER", "")
        return redirect(safe_redirect_url(request, back, reverse("workspace:dashboard")))

    return wrapped
