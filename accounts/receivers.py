"""Sign-in events go to the audit trail (Django's auth signals are the only place they surface)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from audit.services import audit_record


@receiver(user_logged_in, dispatch_uid="audit_login")
def audit_login(sender, request, user, **kwargs):
    audit_record(action="auth.login_succeeded", actor=user, request=request)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def audit_login_failed(sender, credentials, request=None, **kwargs):
    # Django passes credentials with secrets already masked; keep only the identifier tried.
    tried = credentials.get("email") or credentials.get("username") or ""
    audit_record(action="auth.login_failed", actor=None, data={"email": str(tried)[:254]}, request=request)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(action="auth.logout", actor=user, request=request)
