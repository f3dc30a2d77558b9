"""Periodic verification of the audit chain."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import mail_admins

from .services import audit_chain_verify

logger = logging.getLogger(__name__)


@shared_task(time_limit=30 * 60)
def audit_chain_verify_task() -> dict:
    """Verify the whole chain; alert the operators when it is broken. Read-only, so safe to repeat."""
    report = audit_chain_verify()
    if not report.ok:
        logger.error("Audit chain broken: %s", report.problem)
        if settings.ADMINS:
            mail_admins("Audit chain verification failed", report.problem)
    return {"ok": report.ok, "checked": report.checked, "problem": report.problem}
