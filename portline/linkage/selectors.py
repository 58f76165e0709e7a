"""Reads for person linkage: the records a run compares, and what a supervisor may see.

A supervisor sees a cluster or a link when at least one of its records belongs to a
registration they may see (`registrations_visible_to`); everyone else sees none. To judge
a link they see the name and date of birth of every record in it, never a document number,
phone or e-mail (the evidence carries only comparison levels and weights).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import imagehash
import pyarrow as pa
from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image

from portline.accounts.models import Role, User
from portline.common.errors import NotFound
from portline.linkage import engine, normalise, realtime
from portline.linkage.errors import LinkageNotConfigured
from portline.linkage.models import (
    ClusterMember,
    LinkAdjudication,
    LinkageRun,
    PersonCluster,
    RecordLink,
    RecordSource,
)
from portline.registrations.models import EvidenceDocument, EvidenceKind, Person, Registration
from portline.registrations.selectors import registrations_visible_to

logger = logging.getLogger(__name__)
PHOTO_MAX_PIXELS = 1024


def person_key(person_id: int) -> str:
    return f"person:{person_id}"


def account_key(user_id: int) -> str:
    return f"account:{user_id}"


def parse_key(key: str) -> tuple[str, int]:
    kind, _sep, number = key.partition(":")
    return kind, int(number)


# --- Records for a run ------------------------------------------------------------------


@dataclass(frozen=True)
class RecordRef:
    key: str
    source: str
    person_id: int | None = None
    account_id: int | None = None


def _photo_hash(document: EvidenceDocument) -> str | None:
    """Perceptual hash (pHash) of a stored photograph; None when it cannot be read."""
    try:
        with document.file.open("rb") as handle, Image.open(handle) as image:
            image.draft("L", (PHOTO_MAX_PIXELS, PHOTO_MAX_PIXELS))
            return str(imagehash.phash(image))
    except (OSError, ValueError, Image.DecompressionBombError):
        logger.warning("linkage: photo %s could not be read", document.pk)
        return None


def linkage_key() -> bytes:
    if not settings.LINKAGE_KEY:
        raise LinkageNotConfigured(
            _("Person linkage needs PORTLINE_LINKAGE_KEY (the fingerprint key) to be set.")
        )
    return settings.LINKAGE_KEY.encode()


def linkage_table() -> tuple[pa.Table, dict[str, RecordRef]]:
    """The records of `linkage_records` as one engine table (`engine.columns_table`), read
    as plain columns and normalised column-wise (`normalise.person_columns`): what a run over
    every record scores."""
    photos: dict[int, str | None] = {}
    for document in EvidenceDocument.objects.filter(
        kind=EvidenceKind.PHOTO, person__isnull=False, content_type__startswith="image/"
    ).order_by("person_id", "-uploaded_at"):
        if document.person_id not in photos:
            photos[document.person_id] = _photo_hash(document)
    names = normalise.INPUT_COLUMNS
    columns: dict[str, list[Any]] = {name: [] for name in names}
    refs: dict[str, RecordRef] = {}
    people = (
        Person.objects.filter(registration__status="submitted")
        .exclude(given_names="", family_names="")
        .order_by("pk")
        .values_list(
            "pk",
            "given_names",
            "family_names",
            "date_of_birth",
            "gender",
            "city_of_birth",
            "registration__us_address_line1",
            "registration__us_zip",
            "phone",
            "email",
            "id_document_number",
            "registration__partner_id",
        )
    )
    for pk, *values, partner_id in people.iterator(chunk_size=5000):
        rkey = person_key(pk)
        source = RecordSource.PARTNER if partner_id else RecordSource.REGISTRATION
        refs[rkey] = RecordRef(rkey, source, person_id=pk)
        values[3] = values[3] if values[3] in ("female", "male") else ""
        for name, value in zip(names, [rkey, *values, photos.get(pk)], strict=True):
            columns[name].append(value)
    for pk, display_name, phone, email in (
        User.objects.filter(role=Role.APPLICANT)
        .exclude(display_name="")
        .order_by("pk")
        .values_list("pk", "display_name", "phone", "email")
    ):
        parts = display_name.split()
        akey = account_key(pk)
        refs[akey] = RecordRef(akey, RecordSource.ACCOUNT, account_id=pk)
        row = {
            "unique_id": akey,
            "given_names": parts[0] if parts else "",
            "family_names": " ".join(parts[1:]),
            "phone": phone,
            "email": email,
        }
        for name in names:
            columns[name].append(row.get(name))
    return engine.columns_table(normalise.person_columns(linkage_key(), columns)), refs


def linkage_records() -> tuple[list[dict], dict[str, RecordRef]]:
    """Every person on a submitted registration (an applicant's or a partner's entry) and
    every applicant account with a name, as engine records. Plain identifiers are turned
    into fingerprints here and go no further."""
    key = linkage_key()
    records: list[dict] = []
    refs: dict[str, RecordRef] = {}
    photos: dict[int, str | None] = {}
    for document in EvidenceDocument.objects.filter(
        kind=EvidenceKind.PHOTO, person__isnull=False, content_type__startswith="image/"
    ).order_by("person_id", "-uploaded_at"):
        if document.person_id not in photos:
            photos[document.person_id] = _photo_hash(document)
    people = (
        Person.objects.filter(registration__status="submitted")
        .exclude(given_names="", family_names="")
        .select_related("registration")
        .order_by("pk")
    )
    for person in people.iterator(chunk_size=2000):
        reg = person.registration
        rkey = person_key(person.pk)
        refs[rkey] = RecordRef(
            rkey,
            RecordSource.PARTNER if reg.partner_id else RecordSource.REGISTRATION,
            person_id=person.pk,
        )
        records.append(
            normalise.person_record(
                key=key,
                unique_id=rkey,
                given_names=person.given_names,
                family_names=person.family_names,
                date_of_birth=person.date_of_birth,
                sex=person.gender if person.gender in ("female", "male") else "",
                birth_place=person.city_of_birth,
                address_line=reg.us_address_line1,
                zip_code=reg.us_zip,
                phone=person.phone,
                email=person.email,
                document=person.id_document_number,
                photo_hash=photos.get(person.pk),
            )
        )
    for user in User.objects.filter(role=Role.APPLICANT).exclude(display_name="").order_by("pk"):
        parts = user.display_name.split()
        akey = account_key(user.pk)
        refs[akey] = RecordRef(akey, RecordSource.ACCOUNT, account_id=user.pk)
        records.append(
            normalise.person_record(
                key=key,
                unique_id=akey,
                given_names=parts[0] if parts else "",
                family_names=" ".join(parts[1:]),
                phone=user.phone,
                email=user.email,
            )
        )
    return records, refs


def adjudicated_pairs() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    confirmed, rejected = [], []
    for left, right, decision in LinkAdjudication.objects.values_list(
        "left_key", "right_key", "decision"
    ):
        (confirmed if decision == "confirmed" else rejected).append((left, right))
    return confirmed, rejected


def latest_model() -> dict | None:
    """The model the latest run stored, unless it lacks a level this version compares (stored
    before the level was added): then None, and the next run trains or uses the shipped one."""
    run = LinkageRun.objects.exclude(model={}).order_by("-started_at", "-id").first()
    return run.model if run and engine.is_current(run.model) else None


# --- What a supervisor sees -------------------------------------------------------------


def latest_run() -> LinkageRun | None:
    return (
        LinkageRun.objects.filter(finished_at__isnull=False).order_by("-started_at", "-id").first()
    )


def _visible_members(actor: User) -> QuerySet[ClusterMember]:
    visible = registrations_visible_to(actor)
    return ClusterMember.objects.filter(
        Q(person__registration__in=visible) | Q(account__registrations__in=visible)
    )


def clusters_visible_to(actor: User, run: LinkageRun | None = None) -> QuerySet[PersonCluster]:
    if actor.role != Role.SUPERVISOR:
        return PersonCluster.objects.none()
    run = run or latest_run()
    if run is None:
        return PersonCluster.objects.none()
    members = _visible_members(actor).filter(cluster=OuterRef("pk"))
    return PersonCluster.objects.filter(run=run).filter(Exists(members))


def access_cluster(actor: User, cluster_id: int) -> PersonCluster:
    cluster = _visible_clusters_any_run(actor).filter(pk=cluster_id).select_related("run").first()
    if cluster is None:
        raise NotFound(_("No such cluster."))
    return cluster


def _visible_clusters_any_run(actor: User) -> QuerySet[PersonCluster]:
    if actor.role != Role.SUPERVISOR:
        return PersonCluster.objects.none()
    members = _visible_members(actor).filter(cluster=OuterRef("pk"))
    return PersonCluster.objects.filter(Exists(members))


def access_link(actor: User, link_id: int) -> RecordLink:
    link = (
        RecordLink.objects.filter(pk=link_id, cluster__in=_visible_clusters_any_run(actor))
        .select_related("run", "cluster")
        .first()
    )
    if link is None:
        raise NotFound(_("No such link."))
    return link


@dataclass
class RecordView:
    key: str
    source: str
    name: str
    date_of_birth: object = None
    reference: str = ""
    position: int | None = None
    visible: bool = False

    @property
    def source_label(self) -> str:
        return str(RecordSource(self.source).label) if self.source else ""


@dataclass
class LinkView:
    link: RecordLink
    left: RecordView
    right: RecordView
    evidence: list[dict] = field(default_factory=list)
    adjudication: LinkAdjudication | None = None


@dataclass
class ClusterView:
    cluster: PersonCluster
    members: list[RecordView]
    links: list[LinkView]

    @property
    def undecided(self) -> int:
        return sum(1 for link in self.links if link.adjudication is None)


def _record_views(actor: User | None, keys: set[str]) -> dict[str, RecordView]:
    person_ids = [parse_key(k)[1] for k in keys if k.startswith("person:")]
    account_ids = [parse_key(k)[1] for k in keys if k.startswith("account:")]
    visible_regs = (
        set(
            registrations_visible_to(actor)
            .filter(people__pk__in=person_ids)
            .values_list("pk", flat=True)
        )
        if actor is not None
        else None
    )
    views: dict[str, RecordView] = {}
    for person in Person.objects.filter(pk__in=person_ids).select_related("registration"):
        reg: Registration = person.registration
        views[person_key(person.pk)] = RecordView(
            key=person_key(person.pk),
            source=RecordSource.PARTNER if reg.partner_id else RecordSource.REGISTRATION,
            name=person.full_name,
            date_of_birth=person.date_of_birth,
            reference=reg.reference,
            position=person.position,
            visible=visible_regs is None or reg.pk in visible_regs,
        )
    for user in User.objects.filter(pk__in=account_ids):
        views[account_key(user.pk)] = RecordView(
            key=account_key(user.pk), source=RecordSource.ACCOUNT, name=user.display_name
        )
    for k in keys - set(views):  # the record was deleted since the run
        views[k] = RecordView(key=k, source="", name=_("(record removed)"))
    return views


COMPARISON_NAMES = {
    "given_1": gettext_lazy("first given name"),
    "given_2": gettext_lazy("second given name"),
    "surname_1": gettext_lazy("first surname"),
    "surname_2": gettext_lazy("second surname"),
    "dob": gettext_lazy("date of birth"),
    "sex": gettext_lazy("sex"),
    "birth_place": gettext_lazy("place of birth"),
    "address": gettext_lazy("US address"),
    "doc_fp": gettext_lazy("document number"),
    "phone_fp": gettext_lazy("phone"),
    "email_fp": gettext_lazy("e-mail"),
    "photo_hash": gettext_lazy("photograph"),
}
LEVEL_NAMES = {
    "day and month swapped": gettext_lazy("day and month swapped"),
    "same day, year off by one": gettext_lazy("same day, year off by one"),
    "one digit different": gettext_lazy("one digit different"),
    "same year and month": gettext_lazy("same year and month"),
    "same year": gettext_lazy("same year only"),
    "same ZIP code only": gettext_lazy("same ZIP code only"),
    "given name and surname swapped": gettext_lazy("given name and surname swapped"),
    "swapped (counted under the given name)": gettext_lazy(
        "swapped (counted under the given name)"
    ),
    "surnames in the other order": gettext_lazy("surnames in the other order"),
    engine.HOUSEHOLD_LEVEL: gettext_lazy(
        "the same, with one surname, other given names and other dates of birth (as in a family)"
    ),
    "All other comparisons": gettext_lazy("different"),
}
_JARO = re.compile(r"^Jaro-Winkler distance of .* >= ([0-9.]+)$")


def level_name(label: str) -> str:
    """A Splink level label in the supervisor's language."""
    if label in LEVEL_NAMES:
        return str(LEVEL_NAMES[label])
    if label.startswith("Exact match"):
        return _("the same")
    if match := _JARO.match(label):
        return _("similar (Jaro-Winkler similarity at least %(threshold)s)") % {
            "threshold": match.group(1)
        }
    return label


def _evidence_rows(evidence: list[dict]) -> list[dict]:
    return [
        {
            **row,
            "label": COMPARISON_NAMES.get(row["comparison"], row["comparison"]),
            "level_name": level_name(row["level"]),
            "agrees": row["match_weight"] > 0,
        }
        for row in sorted(evidence, key=lambda r: -abs(r["match_weight"]))
    ]


def cluster_view(actor: User | None, cluster: PersonCluster) -> ClusterView:
    """A cluster as a supervisor reads it: its records, and every link with its evidence
    and any adjudication of that pair."""
    members = list(cluster.members.all())
    links = list(RecordLink.objects.filter(cluster=cluster).order_by("probability", "id"))
    keys = {m.record_key for m in members} | {
        k for link in links for k in (link.left_key, link.right_key)
    }
    views = _record_views(actor, keys)
    decided = {
        (a.left_key, a.right_key): a
        for a in LinkAdjudication.objects.filter(
            left_key__in=keys, right_key__in=keys
        ).select_related("decided_by")
    }
    return ClusterView(
        cluster=cluster,
        members=[views[m.record_key] for m in members],
        links=[
            LinkView(
                link=link,
                left=views[link.left_key],
                right=views[link.right_key],
                evidence=_evidence_rows(link.evidence),
                adjudication=decided.get((link.left_key, link.right_key)),
            )
            for link in links
        ],
    )


def adjudication_queue(actor: User, *, limit: int = 200) -> list[ClusterView]:
    """Clusters of the latest run that the supervisor may see and that hold at least one
    undecided link, least certain first."""
    decided = LinkAdjudication.objects.filter(
        left_key=OuterRef("left_key"), right_key=OuterRef("right_key")
    )
    open_links = RecordLink.objects.filter(cluster=OuterRef("pk")).exclude(Exists(decided))
    clusters = (
        clusters_visible_to(actor)
        .filter(Exists(open_links))
        .order_by("min_probability", "number")[:limit]
    )
    return [cluster_view(actor, c) for c in clusters]


def clusters_for_registration(
    *, actor: User | None, registration: Registration
) -> list[ClusterView]:
    """The latest run's clusters holding a person of `registration`, with their links and
    evidence (for the case file and the integrity scan). `actor=None` is the system (the
    scan); a person's actor who may not see the registration gets an empty list."""
    if (
        actor is not None
        and not registrations_visible_to(actor).filter(pk=registration.pk).exists()
    ):
        return []
    run = latest_run()
    if run is None:
        return []
    keys = [person_key(pk) for pk in registration.people.values_list("pk", flat=True)]
    clusters = PersonCluster.objects.filter(run=run, members__record_key__in=keys).distinct()
    return [cluster_view(actor, c) for c in clusters.order_by("number")]


def clusters_of_records(*, run: LinkageRun, record_keys: list[str]) -> QuerySet[PersonCluster]:
    """The run's clusters holding any of `record_keys` (system use: no actor scoping)."""
    return PersonCluster.objects.filter(run=run, members__record_key__in=record_keys).distinct()


# --- People not yet in Portline (a partner's file before it is stored) ------------------


def likely_same_people(
    people: Sequence[tuple[int, Mapping[str, Any]]], *, threshold: float | None = None
) -> dict[int, float]:
    """For rows of people not stored yet, (row number, person fields), the best probability
    that each is a person already in Portline, for the rows that link at or above `threshold`
    (the linkage run's default). Scored one by one against every stored person with the
    latest trained model (the default model before any run), as `linkage.realtime` does.
    Says nothing about which person or registration it linked to."""
    if not people:
        return {}
    records, _refs = linkage_records()
    if not records:
        return {}
    model = latest_model() or engine.default_model()
    index = realtime.index_records(records, model)
    key = linkage_key()
    cut = engine.DEFAULT_THRESHOLD if threshold is None else threshold
    found: dict[int, float] = {}
    for number, person in people:
        record = normalise.person_record(
            key=key,
            unique_id=f"row:{number}",
            given_names=str(person.get("given_names") or ""),
            family_names=str(person.get("family_names") or ""),
            date_of_birth=person.get("date_of_birth") or None,
            sex=str(person.get("gender") or "")
            if person.get("gender") in ("female", "male")
            else "",
            birth_place=str(person.get("city_of_birth") or ""),
            phone=str(person.get("phone") or ""),
            email=str(person.get("email") or ""),
            document=str(person.get("id_document_number") or ""),
        )
        matches = index.match(record, threshold=cut)
        if matches:
            found[number] = matches[0][1]
    return found
