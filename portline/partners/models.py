from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PartnerKind(models.TextChoices):
    SHELTER = "shelter", _("Shelter")
    MUNICIPAL = "municipal", _("Municipal office")
    NGO = "ngo", _("Non-governmental organization")
    LEGAL_CLINIC = "legal_clinic", _("Legal clinic")


class PartnerOrganization(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=PartnerKind.choices)
    city = models.CharField(_("city"), max_length=100)
    country = models.CharField(_("country"), max_length=2, default="MX")
    contact = models.CharField(
        _("contact"),
        max_length=200,
        blank=True,
        default="",
        help_text=_("How the program reaches the organization: an office phone or e-mail."),
    )
    active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_(
            "A suspended organization's staff cannot sign in or use the API, and their open "
            "sessions end at once."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner organization")

    def __str__(self) -> str:
        return self.name
