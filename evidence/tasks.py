"""Periodic evidence upkeep, and mail about NDA acceptances and access requests (sent after the request that
caused it)."""

from celery import shared_task

from .services import evidence_reminders_send


@shared_task(time_limit=10 * 60, soft_time_limit=9 * 60)
def evidence_expiry_reminders() -> int:
    """E-mail owners about documents expiring in 30, 7 or 1 days (each reminder once, so safe to repeat)."""
    return evidence_reminders_send()


@shared_task(time_limit=2 * 60, soft_time_limit=90)
def nda_acceptance_notify_task(acceptance_id: int) -> int:
    """Tell the security leads about one NDA acceptance."""
    from .services_nda import nda_acceptance_notify

    return nda_acceptance_notify(acceptance_id=acceptance_id)


@shared_task(time_limit=2 * 60, soft_time_limit=90)
def access_request_notify_task(access_request_id: int) -> int:
    """Tell vendor staff about one access request from the trust page."""
    from .trust import access_request_notify

    return access_request_notify(access_request_id=access_request_id)
