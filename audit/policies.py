"""Who may read the audit trail."""

from accounts.models import Role


def can_view_audit(user) -> bool:
    """Admins and security leads read and export the audit trail; nobody else does."""
    return bool(user.is_authenticated and user.is_active and user.role in (Role.ADMIN, Role.SECURITY_LEAD))
