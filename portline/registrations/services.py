"""Writes of registrations, people, evidence and appointment requests.

Every function takes the actor, validates, writes in one transaction, and records the change
in the audit log. Callers (pages, API, commands) only parse input and render results.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, models, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from portline.accounts.models import Role, User
from portline.accounts.services import login_normalise
from portline.audit.services import audit_record
from portline.common import clock
from portline.common.errors import (
    ApplicationError,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from portline.common.uploads import image_reencode, pdf_check
from portline.common.validators import clean_name
from portline.common.zones import time_with_place, zone_city
from portline.registrations.models import (
    CONSENT_STATEMENT,
    CONSENT_STATEMENT_VERSION,
    MAX_GROUP_SIZE,
    AppointmentRequest,
    ConsentMedium,
    EvidenceDocument,
    PartnerConsent,
    Person,
    Registration,
    RegistrationStatus,
    Relationship,
)
from portline.registrations.selectors import registration_readiness
from portline.scheduling.models import Port
from portline.scheduling.selectors import (
    program_settings_get,
    request_window_for,
    request_window_next_open,
)

REGISTRATION_FIELDS = (
    "basis",
    "basis_statement",
    "us_address_line1",
    "us_address_line2",
    "us_city",
    "us_state",
    "us_zip",
    "sponsor_name",
    "sponsor_phone",
)
PERSON_FIELDS = tuple(
    f.name
    for f in Person._meta.concrete_fields
    if f.name
    not in {"id", "registration", "position", "added_by", "idempotency_key", "idempotency_digest"}
)
# Names are stored in their normal form (portline.common.names), whichever interface sent them.
NAME_FIELDS = frozenset({"given_names", "family_names", "emergency_contact_name", "sponsor_name"})
_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud and typed on phones


def _reference() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(10))


def _errors_from(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            name: [m for e in errs for m in e.messages] for name, errs in exc.error_dict.items()
        }
    return {"__all__": list(exc.messages)}


def _validate(instance: Any, *, exclude: list[str] | None = None) -> None:
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise ValidationFailed(
            _("Please correct the marked fields."), errors=_errors_from(exc)
        ) from exc


# Idempotency keys ---------------------------------------------------------------------------
# A create that may arrive twice (a phone retrying after a timeout; nginx replaying a POST whose
# server died after committing it) carries a key the client chose: the `Idempotency-Key` header.
# The row the create made keeps the key, unique per account in the database; a retry with the
# key finds that row and answers with it, storing nothing; the same key with another input is
# refused (409 `idempotency_key_reused`). An appointment request is the same request when its
# registration and ports are (a phone's location may move between tries: `_same_request`);
# registrations, people and evidence compare a digest of their whole input. Two tries at once
# are taken one at a time under the lock each create already holds (the account, or the
# registration), and where a database lets them pass together anyway (SQLite's shared-cache
# test databases), the unique key refuses the second, which then answers with the first.

IDEMPOTENCY_KEY_MAX_LENGTH = 64
Keyed = TypeVar("Keyed", bound=models.Model)


def idempotency_key_clean(key: str | None, *, required: bool = True) -> str:
    """The key without surrounding spaces; refused when longer than 64 characters, or empty
    where a key is required (appointment requests; elsewhere "" means no key)."""
    key = (key or "").strip()
    if (required and not key) or len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise ValidationFailed(
            _("A request needs an idempotency key of 1 to 64 characters."),
            errors={"idempotency_key": [_("Required, at most 64 characters.")]},
        )
    return key


def idempotency_digest(**given: Any) -> str:
    """The SHA-256 of a create's input, as JSON with sorted keys (dates and other values that
    are not JSON as their text): the same input always gives the same digest."""
    text = json.dumps(given, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _key_reused() -> Conflict:
    return Conflict(
        _("This idempotency key was already used for a different request."),
        code="idempotency_key_reused",
    )


def keyed_earlier(rows: QuerySet[Keyed], *, key: str, digest: str) -> Keyed | None:
    """Among `rows` (the account's rows of one kind, each with `idempotency_key` and
    `idempotency_digest`), the one the account's earlier create with `key` made, or None (also
    without a key). Refuses the key if that create's input differed."""
    if not key:
        return None
    previous = rows.filter(idempotency_key=key).first()
    if previous is not None and getattr(previous, "idempotency_digest", None) != digest:
        raise _key_reused()
    return previous


def keyed_create(
    create: Callable[[], tuple[Keyed, bool]], *, rows: QuerySet[Keyed], key: str, digest: str
) -> tuple[Keyed, bool]:
    """A create that may arrive twice: the row the account's earlier create with `key` made,
    (row, False), storing nothing; else run `create`, one transaction that looks for the key
    again under its lock and writes the row with it: its answer, (row, created); or, when the
    unique key refused the row because an identical try committed first, (that try's row,
    False). Refuses the key if the earlier create's input differed."""
    previous = keyed_earlier(rows, key=key, digest=digest)
    if previous is not None:
        return previous, False
    try:
        return create()
    except IntegrityError:
        previous = keyed_earlier(rows, key=key, digest=digest)
        if previous is None:
            raise
        return previous, False


def _require_editable(actor: User, registration: Registration) -> None:
    """Refuse unless the actor may edit and the registration is still a draft.

    Inside a transaction the row is locked and its status re-read, so a change racing a
    submission cannot slip in after it."""
    if actor.role not in (Role.APPLICANT, Role.PARTNER_STAFF):
        raise PermissionDenied(
            _("Only the applicant or their partner organization can change a registration.")
        )
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("call _require_editable inside transaction.atomic()")
    status = (
        Registration.objects.select_for_update()
        .filter(pk=registration.pk)
        .values_list("status", flat=True)
        .first()
    )
    if status is None:
        raise NotFound(_("No such registration."))
    registration.status = status
    if status != RegistrationStatus.DRAFT:
        raise Conflict(
            _("This registration has been submitted and can no longer be changed."),
            code="not_draft",
        )


def _assign(instance: Any, data: Mapping[str, Any], allowed: tuple[str, ...]) -> list[str]:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationFailed(
            _("Unknown fields."),
            errors={name: [_("This field does not exist.")] for name in unknown},
        )
    data = _names_normalised(data)
    changed = []
    for name, value in data.items():
        if value is None and not instance._meta.get_field(name).null:
            value = ""
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return changed


def _names_normalised(data: Mapping[str, Any]) -> dict[str, Any]:
    normal = dict(data)
    errors: dict[str, list[str]] = {}
    for name in NAME_FIELDS & set(normal):
        if isinstance(normal[name], str):
            try:
                normal[name] = clean_name(normal[name])
            except ValidationError as exc:
                errors[name] = list(exc.messages)
    if errors:
        raise ValidationFailed(_("Please correct the marked fields."), errors=errors)
    return normal


@dataclass(frozen=True)
class ConsentInput:
    """A person's consent as checked by `consent_clean`: ready to be recorded."""

    language: str
    medium: str
    given_on: dt.date
    applicant_login: str = ""


CONSENT_FIELDS = ("consent_language", "consent_medium", "consent_given_on")


def consent_clean(data: Mapping[str, Any] | None) -> ConsentInput:
    """Check a consent as entered by partner staff (pages, API, bulk files): the language the
    person read the statement in, paper or screen, and the date (not in the future). Raises
    ValidationFailed naming each wrong field; no consent at all is refused the same way."""
    data = data or {}
    errors: dict[str, list[str]] = {}
    languages = {code for code, _name in settings.LANGUAGES}
    language = str(data.get("consent_language") or "").strip().lower()
    if language not in languages:
        errors["consent_language"] = [
            _("Say in which language the person read the consent statement.")
        ]
    medium = str(data.get("consent_medium") or "").strip().lower()
    if medium not in ConsentMedium.values:
        errors["consent_medium"] = [_("Say whether consent was given on paper or on screen.")]
    given = data.get("consent_given_on")
    given_on: dt.date | None = None
    if isinstance(given, dt.datetime):
        given_on = given.date()
    elif isinstance(given, dt.date):
        given_on = given
    elif given:
        try:
            given_on = dt.date.fromisoformat(str(given).strip())
        except ValueError:
            given_on = None
    today = clock.now().date()
    if given_on is None:
        errors["consent_given_on"] = [_("Give the date consent was given (YYYY-MM-DD).")]
    elif given_on > today + dt.timedelta(days=1):
        errors["consent_given_on"] = [_("The date consent was given cannot be in the future.")]
    if errors:
        raise ValidationFailed(
            _("Acting for a person needs their recorded consent."), errors=errors
        )
    assert given_on is not None
    return ConsentInput(
        language=language,
        medium=medium,
        given_on=given_on,
        applicant_login=str(data.get("applicant_login") or "").strip(),
    )


def consent_statement(language: str) -> str:
    """The consent statement in `language`, as stored with each consent."""
    from django.utils import translation

    with translation.override(language):
        return str(CONSENT_STATEMENT)


def consent_build(
    *, registration: Registration, actor: User, consent: ConsentInput, statement: str = ""
) -> PartnerConsent:
    """An unsaved consent record (the bulk import saves many at once)."""
    if actor.partner_id is None:
        raise PermissionDenied(_("Only partner staff record a person's consent."))
    return PartnerConsent(
        registration=registration,
        partner_id=actor.partner_id,
        statement=statement or consent_statement(consent.language),
        statement_version=CONSENT_STATEMENT_VERSION,
        language=consent.language,
        medium=consent.medium,
        given_on=consent.given_on,
        recorded_by=actor,
        recorded_at=clock.now(),
    )


def _applicant_account(login: str) -> User | None:
    """The person's own applicant account, named by its e-mail or phone, if given."""
    if not login:
        return None
    try:
        normal = login_normalise(login)
    except ValidationFailed as exc:
        raise ValidationFailed(
            _("Please correct the marked fields."), errors={"applicant_login": exc.errors["login"]}
        ) from exc
    owner = User.objects.filter(login=normal, role=Role.APPLICANT, is_active=True).first()
    if owner is None:
        message = _("No applicant account has this e-mail or phone. Leave it empty.")
        raise ValidationFailed(message, errors={"applicant_login": [message]})
    return owner


def registration_create(
    *,
    actor: User,
    data: Mapping[str, Any] | None = None,
    consent: Mapping[str, Any] | None = None,
) -> Registration:
    """Start a registration. Applicants start their own; partner staff start one for a person
    only with that person's recorded consent (`consent_clean`), recorded in the same
    transaction; naming the person's own applicant account lets them see, in their pages,
    that the organization acts for them, and withdraw it."""
    registration, _created = registration_create_keyed(
        actor=actor, data=data, consent=consent, idempotency_key=""
    )
    return registration


def registration_create_keyed(
    *,
    actor: User,
    data: Mapping[str, Any] | None = None,
    consent: Mapping[str, Any] | None = None,
    idempotency_key: str,
) -> tuple[Registration, bool]:
    """`registration_create` with an idempotency key (none: ""). Returns (registration,
    created): a retry of the account's earlier create with the key and the same data and
    consent answers that registration and stores nothing; the key with other input is refused
    (409 `idempotency_key_reused`)."""
    key = idempotency_key_clean(idempotency_key, required=False)
    digest = idempotency_digest(data=data or {}, consent=consent or {}) if key else ""
    return keyed_create(
        lambda: _registration_insert(
            actor=actor, data=data, consent=consent, key=key, digest=digest
        ),
        rows=Registration.objects.filter(created_by=actor),
        key=key,
        digest=digest,
    )


def _registration_insert(
    *,
    actor: User,
    data: Mapping[str, Any] | None,
    consent: Mapping[str, Any] | None,
    key: str,
    digest: str,
) -> tuple[Registration, bool]:
    recorded: ConsentInput | None = None
    if actor.role == Role.APPLICANT:
        registration = Registration(owner=actor, created_by=actor)
    elif actor.role == Role.PARTNER_STAFF and actor.partner_id:
        recorded = consent_clean(consent)
        owner = _applicant_account(recorded.applicant_login)
        registration = Registration(partner_id=actor.partner_id, created_by=actor, owner=owner)
    else:
        raise PermissionDenied(_("Only applicants and partner staff create registrations."))
    _assign(registration, data or {}, REGISTRATION_FIELDS)
    _validate(registration, exclude=["reference", "owner", "created_by", "partner"])
    registration.idempotency_key, registration.idempotency_digest = key, digest
    with transaction.atomic():
        # Taken one at a time per account, so that parallel calls cannot pass the cap together
        # (nor two tries with one key: the second finds the first's row here).
        User.objects.select_for_update().filter(pk=actor.pk).first()
        previous = keyed_earlier(
            Registration.objects.filter(created_by=actor), key=key, digest=digest
        )
        if previous is not None:
            return previous, False
        limit = settings.PORTLINE_MAX_OPEN_DRAFTS
        if (
            Registration.objects.filter(
                created_by=actor, status=RegistrationStatus.DRAFT, entered_in_bulk=False
            ).count()
            >= limit
        ):
            raise Conflict(
                _(
                    "You have reached the limit of registrations not yet submitted (%(count)s). Submit one before starting another."
                )
                % {"count": limit},
                code="too_many_drafts",
            )
        for _attempt in range(5):
            registration.reference = _reference()
            try:
                with transaction.atomic():
                    registration.save()
                break
            except IntegrityError:
                if (
                    key
                    and Registration.objects.filter(created_by=actor, idempotency_key=key).exists()
                ):
                    raise  # the same key, committed by a try that raced this one
                continue  # a reference collision (1 in 10^15): draw another
        audit_record(actor=actor, action="registrations.registration.create", target=registration)
        if recorded is not None:
            record = consent_build(registration=registration, actor=actor, consent=recorded)
            record.save()
            audit_record(
                actor=actor,
                action="registrations.consent.record",
                target=record,
                data={"registration": registration.pk, "partner": actor.partner_id},
            )
    return registration, True


def consent_withdraw(*, actor: User, consent: PartnerConsent) -> PartnerConsent:
    """Withdraw a consent: by the person in their own pages (the registration's applicant
    account), or by the organization's staff on the person's request. From then on the
    organization no longer sees the registration."""
    allowed = (actor.role == Role.APPLICANT and consent.registration.owner_id == actor.pk) or (
        actor.role == Role.PARTNER_STAFF and actor.partner_id == consent.partner_id
    )
    if not allowed:
        raise NotFound(_("No such consent."))
    with transaction.atomic():
        locked = PartnerConsent.objects.select_for_update().get(pk=consent.pk)
        if locked.withdrawn_at is not None:
            return locked
        locked.withdrawn_at = clock.now()
        locked.withdrawn_by = actor
        locked.save(update_fields=["withdrawn_at", "withdrawn_by"])
        audit_record(
            actor=actor,
            action="registrations.consent.withdraw",
            target=locked,
            data={"registration": locked.registration_id, "partner": locked.partner_id},
        )
    return locked


def registration_update(
    *, actor: User, registration: Registration, data: Mapping[str, Any]
) -> Registration:
    with transaction.atomic():
        _require_editable(actor, registration)
        changed = _assign(registration, data, REGISTRATION_FIELDS)
        _validate(registration, exclude=["reference", "owner", "created_by", "partner"])
        if changed:
            registration.updated_at = clock.now()
            registration.save()
            audit_record(
                actor=actor,
                action="registrations.registration.update",
                target=registration,
                data={"fields": changed},
            )
    return registration


def person_add(*, actor: User, registration: Registration, data: Mapping[str, Any]) -> Person:
    person, _created = person_add_keyed(
        actor=actor, registration=registration, data=data, idempotency_key=""
    )
    return person


def person_add_keyed(
    *, actor: User, registration: Registration, data: Mapping[str, Any], idempotency_key: str
) -> tuple[Person, bool]:
    """`person_add` with an idempotency key (none: ""). Returns (person, created): a retry of
    the account's earlier add with the key, to the same registration with the same fields,
    answers that person and stores nothing; the key with other input is refused."""
    key = idempotency_key_clean(idempotency_key, required=False)
    digest = idempotency_digest(registration=registration.pk, data=data) if key else ""
    return keyed_create(
        lambda: _person_insert(
            actor=actor, registration=registration, data=data, key=key, digest=digest
        ),
        rows=Person.objects.filter(added_by=actor),
        key=key,
        digest=digest,
    )


def _person_insert(
    *, actor: User, registration: Registration, data: Mapping[str, Any], key: str, digest: str
) -> tuple[Person, bool]:
    limit = min(MAX_GROUP_SIZE, program_settings_get().max_group_size)
    with transaction.atomic():
        # Locks the registration, so two concurrent adds cannot both take the last place (nor
        # two tries with one key: the second finds the first's person here).
        _require_editable(actor, registration)
        previous = keyed_earlier(Person.objects.filter(added_by=actor), key=key, digest=digest)
        if previous is not None:
            return previous, False
        positions = set(registration.people.values_list("position", flat=True))
        if len(positions) >= limit:
            raise ValidationFailed(
                _("A group can have at most %(limit)d people.") % {"limit": limit},
                errors={
                    "__all__": [_("A group can have at most %(limit)d people.") % {"limit": limit}]
                },
            )
        position = min(set(range(1, MAX_GROUP_SIZE + 1)) - positions)
        person = Person(
            registration=registration,
            position=position,
            added_by=actor,
            idempotency_key=key,
            idempotency_digest=digest,
        )
        if position > 1 and "relationship" not in data:
            person.relationship = Relationship.OTHER
        _assign(person, data, PERSON_FIELDS)
        _validate(person, exclude=["registration"])
        person.save()
        registration.updated_at = clock.now()
        registration.save(update_fields=["updated_at"])
        audit_record(
            actor=actor,
            action="registrations.person.add",
            target=person,
            data={"registration": registration.reference, "position": position},
        )
    return person, True


def person_update(*, actor: User, person: Person, data: Mapping[str, Any]) -> Person:
    with transaction.atomic():
        _require_editable(actor, person.registration)
        changed = _assign(person, data, PERSON_FIELDS)
        _validate(person, exclude=["registration"])
        if changed:
            person.save()
            audit_record(
                actor=actor,
                action="registrations.person.update",
                target=person,
                data={"fields": changed},
            )
    return person


def person_remove(*, actor: User, person: Person) -> None:
    with transaction.atomic():
        _require_editable(actor, person.registration)
        for document in person.evidence.all():
            _evidence_delete_file(document)
        audit_record(
            actor=actor,
            action="registrations.person.remove",
            target=person,
            data={"position": person.position},
        )
        person.delete()


# Evidence ------------------------------------------------------------------------------

_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
_EXTENSIONS = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}


def detect_content_type(head: bytes) -> str | None:
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def evidence_content_check(content: bytes, content_type: str, *, field: str = "file") -> bytes:
    """Beyond the signature: a PDF must end like a PDF and must not also be a web page; an
    image must decode within the pixel limit. Returns what to store: the PDF as sent, an image
    re-encoded (no metadata, nothing appended). Raises ValidationFailed on `field`."""
    if content_type == "application/pdf":
        pdf_check(content, field=field)
        return content
    return image_reencode(content, content_type=content_type, field=field).content


def evidence_upload(
    *,
    actor: User,
    registration: Registration,
    kind: str,
    filename: str,
    content: bytes,
    person: Person | None = None,
    provider: str = "",
) -> EvidenceDocument:
    document, _created = evidence_upload_keyed(
        actor=actor,
        registration=registration,
        kind=kind,
        filename=filename,
        content=content,
        person=person,
        provider=provider,
        idempotency_key="",
    )
    return document


def evidence_upload_keyed(
    *,
    actor: User,
    registration: Registration,
    kind: str,
    filename: str,
    content: bytes,
    person: Person | None = None,
    provider: str = "",
    idempotency_key: str,
) -> tuple[EvidenceDocument, bool]:
    """`evidence_upload` with an idempotency key (none: ""). Returns (document, created): a
    retry of the account's earlier upload with the key, of the same file (by its SHA-256) with
    the same name, kind, person and provider to the same registration, answers that document
    and stores nothing, no file either; the key with other input is refused."""
    key = idempotency_key_clean(idempotency_key, required=False)
    digest = ""
    if key:
        digest = idempotency_digest(
            registration=registration.pk,
            person=person.pk if person is not None else None,
            kind=kind,
            filename=filename,
            provider=provider,
            sha256=hashlib.sha256(content).hexdigest(),
        )
    return keyed_create(
        lambda: _evidence_insert(
            actor=actor,
            registration=registration,
            kind=kind,
            filename=filename,
            content=content,
            person=person,
            provider=provider,
            key=key,
            digest=digest,
        ),
        rows=EvidenceDocument.objects.filter(uploaded_by=actor),
        key=key,
        digest=digest,
    )


def _evidence_insert(
    *,
    actor: User,
    registration: Registration,
    kind: str,
    filename: str,
    content: bytes,
    person: Person | None,
    provider: str,
    key: str,
    digest: str,
) -> tuple[EvidenceDocument, bool]:
    if actor.role not in (Role.APPLICANT, Role.PARTNER_STAFF):
        raise PermissionDenied(
            _("Only the applicant or their partner organization can change a registration.")
        )
    if person is not None and person.registration_id != registration.pk:
        raise ValidationFailed(
            _("That person is not in this registration."),
            errors={"person": [_("That person is not in this registration.")]},
        )
    if not content:
        raise ValidationFailed(_("The file is empty."), errors={"file": [_("The file is empty.")]})
    limit = settings.PORTLINE_MAX_UPLOAD_BYTES
    if len(content) > limit:
        message = _("The file is too large: the limit is %(mb)s MB.") % {
            "mb": limit // (1024 * 1024)
        }
        raise ValidationFailed(message, errors={"file": [message]})
    content_type = detect_content_type(content[:16])
    if content_type is None:
        message = _("Only PDF, JPEG and PNG files are accepted.")
        raise ValidationFailed(message, errors={"file": [message]})
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix in _EXTENSIONS and _EXTENSIONS[suffix] != content_type:
        message = _(
            "The file's name says %(claimed)s but its content is %(actual)s. Please upload the right file."
        ) % {
            "claimed": suffix.lstrip(".").upper(),
            "actual": content_type.split("/")[1].upper(),
        }
        raise ValidationFailed(message, errors={"file": [message]})
    content = evidence_content_check(content, content_type)
    document = EvidenceDocument(
        registration=registration,
        person=person,
        kind=kind,
        provider=(provider or "").strip()[:200],
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        original_name=filename[-120:] or "file",
        uploaded_by=actor,
        idempotency_key=key,
        idempotency_digest=digest,
    )
    _validate(document, exclude=["file", "registration", "person", "uploaded_by"])
    with transaction.atomic():
        _require_editable(actor, registration)
        previous = keyed_earlier(
            EvidenceDocument.objects.filter(uploaded_by=actor), key=key, digest=digest
        )
        if previous is not None:
            return previous, False
        document.file.save("upload", ContentFile(content), save=False)
        try:
            document.save()
            audit_record(
                actor=actor,
                action="registrations.evidence.upload",
                target=document,
                data={"kind": kind, "sha256": document.sha256},
            )
        except Exception:
            document.file.storage.delete(document.file.name)
            raise
    return document, True


def _evidence_delete_file(document: EvidenceDocument) -> None:
    name = document.file.name
    storage = document.file.storage
    # Another document may share the content (same hash, same registration): keep the file then.
    if not EvidenceDocument.objects.filter(file=name).exclude(pk=document.pk).exists():
        transaction.on_commit(lambda: storage.delete(name))


def evidence_delete(*, actor: User, document: EvidenceDocument) -> None:
    with transaction.atomic():
        _require_editable(actor, document.registration)
        audit_record(
            actor=actor,
            action="registrations.evidence.delete",
            target=document,
            data={"kind": document.kind},
        )
        _evidence_delete_file(document)
        document.delete()


# Submission and requests -------------------------------------------------------------------


def registration_submit(*, actor: User, registration: Registration) -> Registration:
    if actor.role not in (Role.APPLICANT, Role.PARTNER_STAFF):
        raise PermissionDenied(
            _("Only the applicant or their partner organization can submit a registration.")
        )
    readiness = registration_readiness(registration)
    if not readiness.ready:
        errors: dict[str, list[str]] = {}
        if readiness.group:
            errors["__all__"] = readiness.group
        for position, missing in readiness.people.items():
            if missing:
                errors[f"person_{position}"] = missing
        raise ValidationFailed(_("Some information is still missing."), errors=errors)
    with transaction.atomic():
        locked = Registration.objects.select_for_update().get(pk=registration.pk)
        if locked.status != RegistrationStatus.DRAFT:
            raise Conflict(_("This registration has already been submitted."), code="not_draft")
        locked.status = RegistrationStatus.SUBMITTED
        locked.submitted_at = clock.now()
        locked.updated_at = locked.submitted_at
        locked.save()
        audit_record(
            actor=actor,
            action="registrations.registration.submit",
            target=locked,
            data={"people": registration.people.count()},
        )
    return locked


@dataclass(frozen=True)
class RequestPlan:
    """A checked request, ready to be recorded in the window whose round it joins; or, for a
    retry of an earlier request with the same idempotency key, that earlier request."""

    key: str
    round_date: dt.date
    at: dt.datetime
    previous: AppointmentRequest | None = None


def _same_request(
    previous: AppointmentRequest,
    registration: Registration,
    first_port: Port,
    second_port: Port | None,
) -> AppointmentRequest:
    same = (previous.registration_id, previous.first_port_id, previous.second_port_id) == (
        registration.pk,
        first_port.pk,
        second_port.pk if second_port else None,
    )
    if not same:
        raise _key_reused()
    # The same rows the caller already holds: its answer names them without reading them again.
    previous.registration = registration
    previous.first_port = first_port
    previous.second_port = second_port
    return previous


def _already_requested() -> Conflict:
    return Conflict(
        _(
            "This registration already has a request in today's window. Try again tomorrow if not selected."
        ),
        code="already_requested",
    )


def _earlier_requests(
    *, actor: User, registration: Registration, key: str, round_date: dt.date
) -> tuple[AppointmentRequest | None, bool]:
    """One SELECT for both questions a new request asks: the actor's earlier request with
    this idempotency key (a retry), and whether the registration already has a request in
    the round of `round_date`. Returns (earlier request with the key or None, taken)."""
    found = list(
        AppointmentRequest.objects.filter(
            Q(requested_by=actor, idempotency_key=key)
            | Q(registration=registration, round_date=round_date)
        )[:2]
    )
    previous = next(
        (r for r in found if r.requested_by_id == actor.pk and r.idempotency_key == key), None
    )
    taken = any(r.registration_id == registration.pk and r.round_date == round_date for r in found)
    return previous, taken


def request_plan(
    *,
    actor: User,
    registration: Registration,
    first_port: Port,
    second_port: Port | None = None,
    idempotency_key: str,
    latitude: float | None = None,
    longitude: float | None = None,
) -> RequestPlan:
    """Every check of an appointment request that needs no location check; stores nothing.

    Inside the caller's transaction: it first locks the registration, so that concurrent
    requests for it are taken one at a time, then reads the earlier requests once, under the
    lock. A retry with the same idempotency key comes back as the plan's `previous` (nothing
    more to do); a second request in the same window is refused. The request itself is taken
    by `portline.geofence.services.request_submit`, which checks the location and calls
    `request_record` in the same transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("call request_plan inside transaction.atomic()")
    key = idempotency_key_clean(idempotency_key)
    now = clock.now()
    window = request_window_for(at=now)
    Registration.objects.select_for_update().filter(pk=registration.pk).values_list(
        "pk", flat=True
    ).first()
    previous, taken = _earlier_requests(
        actor=actor, registration=registration, key=key, round_date=window.round_date
    )
    if previous is not None:
        previous = _same_request(previous, registration, first_port, second_port)
        return RequestPlan(key=key, round_date=previous.round_date, at=now, previous=previous)
    if actor.role not in (Role.APPLICANT, Role.PARTNER_STAFF):
        raise PermissionDenied(
            _("Only the applicant or their partner organization can request an appointment.")
        )
    if registration.status != RegistrationStatus.SUBMITTED:
        raise Conflict(
            _("Submit the registration before requesting an appointment."), code="not_submitted"
        )
    if not first_port.active or (second_port is not None and not second_port.active):
        raise ValidationFailed(
            _("That port is not taking requests."),
            errors={"first_port": [_("That port is not taking requests.")]},
        )
    if second_port is not None and second_port.pk == first_port.pk:
        raise ValidationFailed(
            _("The second choice must be a different port."),
            errors={"second_port": [_("Choose a different port or none.")]},
        )
    if (latitude is None) != (longitude is None):
        raise ValidationFailed(
            _("Send both latitude and longitude, or neither."),
            errors={"latitude": [_("Send both latitude and longitude, or neither.")]},
        )
    if (
        latitude is not None
        and longitude is not None
        and not (-90 <= latitude <= 90 and -180 <= longitude <= 180)
    ):
        raise ValidationFailed(
            _("These coordinates are not on Earth."),
            errors={"latitude": [_("These coordinates are not on Earth.")]},
        )
    if not window.is_open(now):
        opens = request_window_next_open(at=now)
        raise ApplicationError(
            _("Requests are not being taken now. The next window opens %(when)s.")
            % {
                "when": time_with_place(
                    opens.strftime("%Y-%m-%d %H:%M"), zone_city(str(opens.tzinfo))
                )
            },
            code="window_closed",
            extra={"opens_at": opens.isoformat()},
        )
    if taken:
        raise _already_requested()
    return RequestPlan(key=key, round_date=window.round_date, at=now)


def request_record(
    *,
    actor: User,
    registration: Registration,
    first_port: Port,
    second_port: Port | None,
    plan: RequestPlan,
    latitude: float | None,
    longitude: float | None,
    accuracy_m: float | None,
    declared_state: str = "",
    declared_city: str = "",
) -> AppointmentRequest:
    """Write the request and its audit row, inside the caller's transaction (after
    `request_plan` and the location check, or the declared place's)."""
    request = AppointmentRequest(
        registration=registration,
        round_date=plan.round_date,
        first_port=first_port,
        second_port=second_port,
        idempotency_key=plan.key,
        requested_by=actor,
        created_at=plan.at,
        latitude=latitude,
        longitude=longitude,
        location_accuracy_m=accuracy_m,
        declared_state=declared_state,
        declared_city=declared_city,
    )
    # Inside the caller's transaction: a refusal of this INSERT rolls the whole request back,
    # so no savepoint of its own (one round trip fewer on every request).
    with transaction.atomic(savepoint=False):
        request.save()
    audit_record(
        actor=actor,
        action="registrations.request.submit",
        target=request,
        data={
            "registration": registration.reference,
            "round_date": plan.round_date,
            "first_port": first_port.code,
            "second_port": second_port.code if second_port else None,
            "declared_place": bool(declared_state),
        },
    )
    return request


def request_conflict_after_race(
    *, actor: User, registration: Registration, key: str
) -> AppointmentRequest:
    """After a unique-constraint refusal (two requests raced past the lock, as SQLite's
    shared-cache test databases allow): the same-key request that won, or the refusal."""
    retry = AppointmentRequest.objects.filter(requested_by=actor, idempotency_key=key).first()
    if retry is not None and retry.registration_id == registration.pk:
        return retry
    raise _already_requested()


@dataclass(frozen=True)
class BulkGroup:
    """One registration of a bulk file, already checked: its people (field values as
    `person_add` takes them, first the main applicant) and the consent for it."""

    people: list[dict[str, Any]]
    consent: ConsentInput


def _rows_insert(model: Any, objects: list[Any], *, fields: list[Any] | None = None) -> None:
    """INSERT many unsaved objects with one prepared statement run for every row
    (executemany): the rows are written exactly as `save()` would store them, without building
    one SQL statement per few dozen rows as `bulk_create` does within SQLite's parameter limit."""
    if not objects:
        return
    fields = fields or [f for f in model._meta.concrete_fields if not f.primary_key]
    connection = transaction.get_connection()
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    rows = [
        [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields] for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608  # names come from the model, values are parameters


def registrations_bulk_create(*, actor: User, groups: list[BulkGroup]) -> list[Registration]:
    """Create draft registrations for checked groups in one go (set-based inserts), each with
    its people and its consent, recorded as made by `actor`. All or nothing: call it inside the
    caller's transaction; one audit event names how many were created."""
    if actor.role != Role.PARTNER_STAFF or not actor.partner_id:
        raise PermissionDenied(_("Only partner staff enter people in bulk."))
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("call registrations_bulk_create inside transaction.atomic()")
    now = clock.now()
    registrations = [
        Registration(
            reference=_reference(),
            partner_id=actor.partner_id,
            created_by=actor,
            created_at=now,
            updated_at=now,
            entered_in_bulk=True,
        )
        for _group in groups
    ]
    _rows_insert(Registration, registrations)
    ids: dict[str, int] = {}
    references = [r.reference for r in registrations]
    for start in range(0, len(references), 900):
        ids.update(
            Registration.objects.filter(reference__in=references[start : start + 900]).values_list(
                "reference", "id"
            )
        )
    for registration in registrations:
        registration.pk = ids[registration.reference]
        registration._state.adding = False
    people: list[Person] = []
    consents: list[PartnerConsent] = []
    statements: dict[str, str] = {}
    for registration, group in zip(registrations, groups, strict=True):
        for position, values in enumerate(group.people, start=1):
            people.append(Person(registration=registration, position=position, **values))
        language = group.consent.language
        if language not in statements:
            statements[language] = consent_statement(language)
        record = consent_build(
            registration=registration,
            actor=actor,
            consent=group.consent,
            statement=statements[language],
        )
        record.recorded_at = now
        consents.append(record)
    _rows_insert(Person, people)
    _rows_insert(PartnerConsent, consents)
    audit_record(
        actor=actor,
        action="registrations.registration.bulk_create",
        target=None,
        data={
            "partner": actor.partner_id,
            "registrations": len(registrations),
            "people": len(people),
            "first_id": registrations[0].pk if registrations else None,
            "last_id": registrations[-1].pk if registrations else None,
        },
    )
    return registrations
