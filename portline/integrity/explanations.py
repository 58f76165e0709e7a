"""Plain-language, translated explanations of flags, written from the counts a rule stored."""

from __future__ import annotations

from django.utils.translation import gettext as _

from portline.integrity.models import Flag, FlagKind


def flag_explanation(flag: Flag) -> str:
    p = {"count": 0, "threshold": 0, "people": 0, "surnames": 0, "minutes": 0, **flag.params}
    texts = {
        FlagKind.ADDRESS_HUB: _(
            "%(count)s unrelated groups (%(people)s people, %(surnames)s different surnames) "
            "give the same US address once it is normalised. The rule flags %(threshold)s or more."
        ),
        FlagKind.SPONSOR_HUB: _(
            "%(count)s unrelated groups (%(people)s people) name the same US sponsor. "
            "The rule flags %(threshold)s or more."
        ),
        FlagKind.PROVIDER_HUB: _(
            "One provider attested evidence in %(count)s registrations. "
            "The rule flags %(threshold)s or more."
        ),
        FlagKind.DOCUMENT_REUSE: _(
            "The same identity document number appears in %(count)s registrations."
        ),
        FlagKind.PHONE_REUSE: _(
            "%(count)s unrelated groups give the same phone number. "
            "The rule flags %(threshold)s or more."
        ),
        FlagKind.EMAIL_REUSE: _(
            "%(count)s unrelated groups give the same e-mail address. "
            "The rule flags %(threshold)s or more."
        ),
        FlagKind.PHOTO_REUSE: _(
            "The same photograph (equal perceptual hash) was submitted in %(count)s registrations."
        ),
        FlagKind.STAFF_BURST: _(
            "One partner staff account entered %(count)s people within %(minutes)s minutes. "
            "The rule flags %(threshold)s or more."
        ),
        FlagKind.GEO_IMPOSSIBLE_TRAVEL: _(
            "Two location checks of this registration are too far apart for the time between "
            "them (%(count)s signals)."
        ),
        FlagKind.GEO_REPEATED_POINT: _(
            "A location check gave exactly the same coordinates as an unrelated registration "
            "(%(count)s signals)."
        ),
        FlagKind.GEO_SHARED_DEVICE: _(
            "The device used for this registration was used for many others (%(count)s signals)."
        ),
        FlagKind.GEO_DECLARED_LOCATION: _(
            "A request was taken with a place the person chose from the list, without a location "
            "check (%(count)s signals). A checked location may be asked at confirmation."
        ),
    }
    return texts.get(flag.kind, "") % p
