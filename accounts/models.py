"""Users, roles, customer organisations and invitations."""

import hashlib

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac


class Role(models.TextChoices):
    ACCOUNT_MANAGER = "account_manager", "Account manager"
    SECURITY_LEAD = "security_lead", "Security lead"
    ADMIN = "admin", "Admin"
    CUSTOMER = "customer", "Customer"


STAFF_ROLES = frozenset({Role.ACCOUNT_MANAGER, Role.SECURITY_LEAD, Role.ADMIN})
# Customers belong to exactly one organisation; staff to none (users and invitations alike).
CUSTOMERS_HAVE_AN_ORGANISATION = (Q(role=Role.CUSTOMER) & Q(organisation__isnull=False)) | (
    ~Q(role=Role.CUSTOMER) & Q(organisation__isnull=True)
)


class CustomerOrganisation(models.Model):
    name = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Written only by the evidence app's NDA services: True while someone of this organisation has accepted
    # the current NDA text. Kept here so the rule of what may leave the company reads it without
    # reaching up into the evidence app.
    is_nda_covered = models.BooleanField(default=False)
    suspended_at = models.DateTimeField(
        null=True, blank=True, help_text="Set by the kill switch: shares revoked, users signed out and refused."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields["role"] = Role.ADMIN
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username: str | None) -> "User":
        return self.get(email__iexact=username)


class User(AbstractBaseUser):
    """A person who signs in. Staff have a staff role; customers belong to one organisation."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=32, choices=Role.choices)
    organisation = models.ForeignKey(
        CustomerOrganisation, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # Bumped to end every session of this user at once (factor reset, deactivation).
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]
        constraints = [
            models.CheckConstraint(
                name="customer_has_exactly_one_organisation",
                condition=CUSTOMERS_HAVE_AN_ORGANISATION,
            ),
            models.CheckConstraint(name="role_is_known", condition=Q(role__in=Role.values)),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def is_staff(self) -> bool:
        """Admin-site access (the admin site also demands a verified second factor)."""
        return self.is_active and self.role == Role.ADMIN

    @property
    def is_superuser(self) -> bool:
        return self.is_staff

    @property
    def is_customer(self) -> bool:
        return self.role == Role.CUSTOMER

    @property
    def is_vendor_staff(self) -> bool:
        return self.role in STAFF_ROLES

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return self.is_staff

    def has_perms(self, perm_list, obj: object = None) -> bool:
        return self.is_staff

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_staff

    def _session_hash(self, secret: str | None) -> str:
        return salted_hmac(
            "accounts.User.session_hash",
            f"{self.password}:{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def get_session_auth_hash(self) -> str:
        """Sessions die when the password or the session generation changes."""
        return self._session_hash(None)

    def get_session_auth_fallback_hash(self):
        for fallback_secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(fallback_secret)


def hash_invitation_token(token: str) -> str:
    """Invitation tokens are stored only as this hash (the token itself carries 256 random bits)."""
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(models.Model):
    email = models.EmailField()
    role = models.CharField(max_length=32, choices=Role.choices)
    organisation = models.ForeignKey(
        CustomerOrganisation, null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="invitation_customer_has_organisation",
                condition=CUSTOMERS_HAVE_AN_ORGANISATION,
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation for {self.email}"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"

    @property
    def is_usable(self) -> bool:
        return self.status == "pending"
