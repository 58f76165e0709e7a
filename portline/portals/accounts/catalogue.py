"""Strings shown on the account pages whose source is outside this app.

`makemessages` only reads this app's folder, so the strings of the shared layout
(portline/templates/base.html, _language_switcher.html), the account services, and the Django
messages that have no Haitian Creole translation are listed here to be translated in this
app's catalogue. Nothing imports this module at run time.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

LAYOUT = (
    gettext_noop("Skip to content"),
    gettext_noop("Account"),
    gettext_noop("My page"),
    gettext_noop("Log out"),
    gettext_noop("Log in"),
    gettext_noop("Create an account"),
    gettext_noop("Language"),
    gettext_noop("Change"),
    gettext_noop("English"),
    gettext_noop("Spanish"),
    gettext_noop("Haitian Creole"),
)

ACCOUNT_SERVICES = (
    gettext_noop("Enter a valid e-mail address or phone number."),
    gettext_noop(
        "Enter a valid e-mail address or a phone number with its country code, e.g. +52 55 1234 5678."
    ),
    gettext_noop("Choose a stronger password."),
    gettext_noop("An account with this e-mail or phone already exists. Log in instead."),
    gettext_noop("Start the authenticator set-up again."),
    gettext_noop("That code is not right. Check the time on your phone and try the newest code."),
    gettext_noop("That code is not right."),
    gettext_noop("Choose a language from the list."),
    gettext_noop("e-mail or phone"),
    gettext_noop("e-mail"),
    gettext_noop("phone"),
)

DJANGO = (
    gettext_noop("This field is required."),
    gettext_noop("Select a valid choice. %(value)s is not one of the available choices."),
    gettext_noop("This password is too common."),
    gettext_noop("This password is entirely numeric."),
    gettext_noop("The password is too similar to the %(verbose_name)s."),
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        "n",
    ),
    ngettext_lazy(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
)
