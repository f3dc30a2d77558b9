"""Shared reads of the evidence vault and the NDA."""

from .models import NdaAcceptance, NdaText


def current_nda() -> NdaText | None:
    """The NDA text in force (the newest published version), or None before any is published."""
    return NdaText.objects.order_by("-version").first()


def has_accepted_current_nda(user) -> bool:
    """True when this user accepted the NDA text in force (a newer version asks again)."""
    nda = current_nda()
    return bool(
        nda is not None
        and user.is_authenticated
        and NdaAcceptance.objects.filter(user_id=user.pk, nda_text=nda, nda_sha256=nda.sha256).exists()
    )
