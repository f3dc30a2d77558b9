"""Periodic verification of the audit chain."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import mail_admins

from .services import audit_chain_verify, audit_checkpoint_write

logger = logging.getLogger(__name__)


@shared_task(time_limit=30 * 60)
def audit_chain_verify_task() -> dict:
    """Verify the whole chain and checkpoint its verified end (in case a checkpoint after an append failed to
    write); alert the operators when it is broken. Writes no event and no existing file, so safe to repeat."""
    report = audit_chain_verify()
    if report.ok:
        audit_checkpoint_write(seq=report.checked, hash=report.head_hash)
    else:
        logger.error("Audit chain broken: %s", report.problem)
        if settings.ADMINS:
            mail_admins("Audit chain verification failed", report.problem)
    return {"ok": report.ok, "checked": report.checked, "problem": report.problem}
