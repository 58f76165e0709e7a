"""Ports, their daily capacity, and the program's published parameters."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Port(models.Model):
    code = models.CharField(_("code"), max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=100)
    mexican_city = models.CharField(_("city on the Mexican side"), max_length=100)
    time_zone = models.CharField(_("time zone"), max_length=64)
    daily_capacity = models.PositiveIntegerField(_("daily capacity (people)"))
    opens_at = models.TimeField(_("first appointment"), default=dt.time(6, 0))
    closes_at = models.TimeField(_("last appointment ends"), default=dt.time(18, 0))
    active = models.BooleanField(_("taking requests"), default=True)
    latitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("port of entry")
        verbose_name_plural = _("ports of entry")

    def __str__(self) -> str:
        return f"{self.name} ({self.mexican_city})"


class ProgramSettings(models.Model):
    """The published program parameters; one row (pk=1), edited in the admin and audited."""

    request_window_opens = models.TimeField(_("request window opens"), default=dt.time(12, 0))
    request_window_closes = models.TimeField(_("request window closes"), default=dt.time(23, 59))
    window_time_zone = models.CharField(
        _("time zone of the window"), max_length=64, default="America/New_York"
    )
    service_days_ahead = models.PositiveSmallIntegerField(
        _("days from the request to the appointment date"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    reserved_share = models.DecimalField(
        _("share of capacity for the longest-waiting registrations"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.50"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("The rest is drawn at random among the day's requests."),
    )
    confirmation_hours = models.PositiveSmallIntegerField(
        _("hours to confirm a won appointment"), default=23
    )
    max_group_size = models.PositiveSmallIntegerField(
        _("largest group"), default=10, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    languages = models.CharField(
        _("languages offered"),
        max_length=100,
        default="en,es,ht",
        help_text=_("Comma-separated language codes shown in the language switcher."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("program settings")
        verbose_name_plural = _("program settings")
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="program_settings_singleton")
        ]

    def __str__(self) -> str:
        return str(_("Program settings"))
