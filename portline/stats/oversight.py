"""What the analyst (oversight) sees: fairness of each round and the ports' work, with no
personal data. Reads only; every table can be downloaded as CSV.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count

from portline.allocation.models import Round, RoundSelection, RoundStatus, SelectionOutcome
from portline.allocation.services import round_entries
from portline.audit.models import AuditDayRoot
from portline.common.errors import NotFound
from portline.inspection.models import (
    Arrival,
    ArrivalStatus,
    Decision,
    DecisionKind,
    DecisionStatus,
)
from portline.integrity.models import Flag, FlagKind, FlagSubject
from portline.registrations.models import AppointmentRequest, Person, Registration
from portline.scheduling.models import Port
from portline.stats.inference import IndependenceTest, outliers, stratified_test, wilson


@dataclass(frozen=True)
class RateRow:
    category: str
    requests: int
    request_share: float
    selected: int
    selected_share: float
    rate: float
    low: float
    high: float
    outlier: bool = False


@dataclass(frozen=True)
class RateTable:
    dimension: str
    rows: tuple[RateRow, ...]
    test: IndependenceTest | None


@dataclass(frozen=True)
class RoundFairness:
    round: Round
    requests: int
    selected: int
    reserved: int
    tables: tuple[RateTable, ...]


def rounds_drawn() -> list[Round]:
    return list(Round.objects.filter(status=RoundStatus.DRAWN).order_by("-round_date")[:120])


def _rate_table(dimension: str, counts: dict[tuple[str, str], list[int]], test: bool) -> RateTable:
    by_cat: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (cat, _stratum), (n, k) in counts.items():
        by_cat[cat][0] += n
        by_cat[cat][1] += k
    total_n = sum(n for n, _k in by_cat.values()) or 1
    total_k = sum(k for _n, k in by_cat.values()) or 1
    rates = {c: (k / n if n else 0.0) for c, (n, k) in by_cat.items()}
    marked = outliers({c: r for c, r in rates.items() if by_cat[c][0] >= 20})
    rows = []
    for cat in sorted(by_cat):
        n, k = by_cat[cat]
        low, high = wilson(k, n)
        rows.append(
            RateRow(cat, n, n / total_n, k, k / total_k, rates[cat], low, high, cat in marked)
        )
    result = stratified_test({key: (v[0], v[1]) for key, v in counts.items()}) if test else None
    return RateTable(dimension, tuple(rows), result)


def round_fairness(round_date: dt.date) -> RoundFairness:
    """Selection in the random share of a drawn round, by nationality, port and group size.

    Requests won in the longest-waiting share are left out (their selection depends on the
    registration date by design); the test asks whether, within each port, the random share
    selected every nationality and group size at the same rate.
    """
    round_obj = Round.objects.filter(round_date=round_date, status=RoundStatus.DRAWN).first()
    if round_obj is None:
        raise NotFound(f"no drawn round on {round_date}")
    entries = round_entries(round_obj)
    outcome = dict(
        RoundSelection.objects.filter(round=round_obj).values_list("request_id", "outcome")
    )
    reserved = set(
        RoundSelection.objects.filter(round=round_obj, reserved=True).values_list(
            "request_id", flat=True
        )
    )
    ports = dict(Port.objects.values_list("pk", "code"))
    registration_of = dict(
        AppointmentRequest.objects.filter(round_date=round_obj.round_date).values_list(
            "id", "registration_id"
        )
    )
    partner_of = dict(
        Registration.objects.filter(id__in=set(registration_of.values())).values_list(
            "id", "partner__name"
        )
    )
    lead = dict(
        Person.objects.filter(
            registration_id__in=set(registration_of.values()), position=1
        ).values_list("registration_id", "nationality")
    )
    counts: dict[str, dict[tuple[str, str], list[int]]] = {
        "nationality": defaultdict(lambda: [0, 0]),
        "port": defaultdict(lambda: [0, 0]),
        "group_size": defaultdict(lambda: [0, 0]),
        "partner": defaultdict(lambda: [0, 0]),
    }
    selected_total = 0
    for entry in entries:
        request_id = int(entry["request_id"])
        if request_id in reserved:
            continue
        port = ports.get(int(entry["first_port_id"]), "?")
        won = 1 if outcome.get(request_id) == SelectionOutcome.SELECTED else 0
        selected_total += won
        registration_id = registration_of.get(request_id)
        nationality = lead.get(registration_id, "") or "XX"
        partner = partner_of.get(registration_id) or "-"
        for dimension, cat in (
            ("nationality", nationality),
            ("port", port),
            ("group_size", f"{int(entry['group_size']):02d}"),
            ("partner", partner),
        ):
            cell = counts[dimension][(cat, port)]
            cell[0] += 1
            cell[1] += won
    tables = (
        _rate_table("nationality", counts["nationality"], test=True),
        _rate_table("group_size", counts["group_size"], test=True),
        _rate_table("port", counts["port"], test=False),  # capacities differ by design
        _rate_table("partner", counts["partner"], test=True),  # "-": no partner organization
    )
    return RoundFairness(
        round=round_obj,
        requests=len(entries),
        selected=selected_total,
        reserved=len(reserved),
        tables=tables,
    )


@dataclass(frozen=True)
class OperationsRow:
    key: str
    arrivals: int
    no_shows: int
    no_show_rate: float
    decisions: int
    by_kind: dict[str, int]
    release_rate: float
    outlier: str = ""


def _operations(arrival_rows, decision_rows, label) -> list[OperationsRow]:
    data: dict[str, dict] = defaultdict(lambda: {"arrived": 0, "no_show": 0, "kinds": {}})
    for key, status, n in arrival_rows:
        data[label(key)]["arrived" if status == ArrivalStatus.ARRIVED else "no_show"] += n
    for key, kind, n in decision_rows:
        kinds = data[label(key)]["kinds"]
        kinds[kind] = kinds.get(kind, 0) + n
    rows = []
    for key, d in data.items():
        seen = d["arrived"] + d["no_show"]
        decided = sum(d["kinds"].values())
        rows.append(
            OperationsRow(
                key,
                d["arrived"],
                d["no_show"],
                d["no_show"] / seen if seen else 0.0,
                decided,
                d["kinds"],
                d["kinds"].get(DecisionKind.PAROLE, 0) / decided if decided else 0.0,
            )
        )
    no_show = outliers({r.key: r.no_show_rate for r in rows if r.arrivals + r.no_shows >= 20})
    release = outliers({r.key: r.release_rate for r in rows if r.decisions >= 20})
    marked = []
    for r in sorted(rows, key=lambda row: row.key):
        reasons = [
            name for name, found in (("no-shows", no_show), ("releases", release)) if r.key in found
        ]
        marked.append(OperationsRow(**{**r.__dict__, "outlier": ", ".join(reasons)}))
    return marked


def port_operations(start: dt.date, end: dt.date) -> dict[str, list[OperationsRow]]:
    """Arrivals, no-shows and final decisions by port and by officer (officers by number)."""
    arrivals = Arrival.objects.filter(service_date__range=(start, end))
    decisions = Decision.objects.filter(
        status=DecisionStatus.FINAL, decided_at__date__range=(start, end)
    )
    by_port = _operations(
        arrivals.values_list("port__code", "status").annotate(n=Count("id")).order_by(),
        decisions.values_list("port__code", "kind").annotate(n=Count("id")).order_by(),
        str,
    )
    by_officer = _operations(
        arrivals.filter(status=ArrivalStatus.ARRIVED)
        .values_list("recorded_by_id", "status")
        .annotate(n=Count("id"))
        .order_by(),
        decisions.values_list("decided_by_id", "kind").annotate(n=Count("id")).order_by(),
        lambda pk: f"officer-{pk}",
    )
    return {"port": by_port, "officer": by_officer}


def decision_kinds() -> list[tuple[str, str]]:
    return list(DecisionKind.choices)


@dataclass(frozen=True)
class FlagKindRow:
    kind: str
    label: str
    by_state: dict[str, int]
    total: int


@dataclass(frozen=True)
class PartnerFlagRow:
    partner: str
    registrations: int
    flags: int
    per_hundred: float
    outlier: bool


@dataclass(frozen=True)
class IntegrityOverview:
    kinds: tuple[FlagKindRow, ...]
    partners: tuple[PartnerFlagRow, ...]
    roots: tuple[AuditDayRoot, ...]


def integrity_overview() -> IntegrityOverview:
    """Integrity flags by kind and state, flags per partner organization (against how many
    registrations each entered, outliers marked), and the latest signed audit roots."""
    by_kind: dict[str, dict[str, int]] = defaultdict(dict)
    for kind, state, n in (
        Flag.objects.values_list("kind", "state").annotate(n=Count("id")).order_by()
    ):
        by_kind[kind][state] = n
    labels = dict(FlagKind.choices)
    kinds = tuple(
        FlagKindRow(kind, str(labels.get(kind, kind)), states, sum(states.values()))
        for kind, states in sorted(by_kind.items())
    )
    entered = dict(
        Registration.objects.filter(partner__isnull=False)
        .values_list("partner__name")
        .annotate(n=Count("id"))
        .order_by()
    )
    flagged = dict(
        FlagSubject.objects.filter(registration__partner__isnull=False)
        .values_list("registration__partner__name")
        .annotate(n=Count("flag_id", distinct=True))
        .order_by()
    )
    rates = {p: 100 * flagged.get(p, 0) / n for p, n in entered.items() if n}
    marked = outliers({p: r for p, r in rates.items() if entered[p] >= 20})
    partners = tuple(
        PartnerFlagRow(p, entered[p], flagged.get(p, 0), rates.get(p, 0.0), p in marked)
        for p in sorted(entered)
    )
    roots = tuple(AuditDayRoot.objects.order_by("-day")[:14])
    return IntegrityOverview(kinds, partners, roots)
