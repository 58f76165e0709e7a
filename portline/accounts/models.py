"""Accounts: one person, one account, one role. Nobody shares a login."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils.translation import gettext_lazy as _

from portline.common import clock


class Role(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    PARTNER_STAFF = "partner_staff", _("Partner staff")
    PARTNER_ADMIN = "partner_admin", _("Partner organization administrator")
    OFFICER = "officer", _("Port officer")
    SUPERVISOR = "supervisor", _("Supervisor")
    PROGRAM_ADMIN = "program_admin", _("Program administrator")
    ANALYST = "analyst", _("Analyst")
    OVERSIGHT = "oversight", _("Oversight")
    TRANSPORT_COORDINATOR = "transport", _("Transport coordinator")


STAFF_ROLES = frozenset(
    {
        Role.PARTNER_STAFF,
        Role.PARTNER_ADMIN,
        Role.OFFICER,
        Role.SUPERVISOR,
        Role.PROGRAM_ADMIN,
        Role.ANALYST,
        Role.OVERSIGHT,
        Role.TRANSPORT_COORDINATOR,
    }
)
PORT_ROLES = frozenset({Role.OFFICER, Role.SUPERVISOR})
# Roles that belong to one partner organization. Its administrator manages its staff and sees
# its batches; only staff enter and see the people the organization acts for.
PARTNER_ROLES = frozenset({Role.PARTNER_STAFF, Role.PARTNER_ADMIN})


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, login: str, password: str | None = None, **fields) -> User:
        user = self.model(login=login, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, login: str, password: str | None = None, **fields) -> User:
        fields.update(is_staff=True, is_superuser=True, role=Role.PROGRAM_ADMIN)
        return self.create_user(login, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    login = models.CharField(
        _("e-mail or phone"),
        max_length=254,
        unique=True,
        help_text=_(
            "Normalised: a lower-case e-mail address or a phone number in +<country><number> form."
        ),
    )
    email = models.EmailField(_("e-mail"), blank=True, default="")
    phone = models.CharField(_("phone"), max_length=20, blank=True, default="")
    display_name = models.CharField(_("name shown"), max_length=150, blank=True, default="")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.APPLICANT)
    preferred_language = models.CharField(_("language"), max_length=8, default="en")
    partner = models.ForeignKey(
        "partners.PartnerOrganization",
        verbose_name=_("partner organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    port = models.ForeignKey(
        "scheduling.Port",
        verbose_name=_("port"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("may use the admin site"), default=False)
    date_joined = models.DateTimeField(default=clock.now)

    objects = UserManager()

    USERNAME_FIELD = "login"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role__in=["partner_staff", "partner_admin"])
                | models.Q(partner__isnull=False),
                name="partner_staff_has_partner",
            ),
            models.CheckConstraint(
                condition=~models.Q(role__in=["officer", "supervisor"])
                | models.Q(port__isnull=False),
                name="port_staff_have_port",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or f"user {self.pk}"

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    prefix = models.CharField(max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")

    def __str__(self) -> str:
        return f"token {self.prefix}…"


class StaffInvitation(models.Model):
    """A one-time link that lets one person create their own staff account in a partner
    organization. Only the SHA-256 of the link's secret is stored; it expires and is used once."""

    partner = models.ForeignKey(
        "partners.PartnerOrganization", on_delete=models.PROTECT, related_name="invitations"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.PARTNER_STAFF)
    login = models.CharField(_("e-mail or phone"), max_length=254)
    display_name = models.CharField(_("name shown"), max_length=150, blank=True, default="")
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="invitation"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("staff invitation")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"invitation {self.pk}"
