"""Labels the partner pages show whose source is outside this app (registration and request
statuses), translated in this app's catalogue. Nothing imports this module at run time."""

from django.utils.translation import gettext_noop

STATUSES = (
    gettext_noop("Draft"),
    gettext_noop("Submitted"),
    gettext_noop("Withdrawn"),
    gettext_noop("Waiting for the daily allocation"),
    gettext_noop("Selected"),
    gettext_noop("On the standby list"),
    gettext_noop("Not selected"),
    gettext_noop("Cancelled"),
    gettext_noop("Only applicants and partner staff create registrations."),
)
