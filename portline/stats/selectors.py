"""Counts from the database, and the protected tables built from them.

Every figure Portline publishes (the public page, the API, `portline report`) comes from
`statistics_table`, so they agree by construction. Months are the unit: a month is
protected on its own (portline/stats/suppression.py), and a range of months shows a sum
only where every month of it is shown.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, QuerySet, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.translation import gettext as _

from portline.appointments.models import Appointment, PersonConfirmation
from portline.common import clock
from portline.common.countries import country_name
from portline.common.errors import NotFound, ValidationFailed
from portline.inspection.models import (
    Arrival,
    ArrivalStatus,
    Decision,
    DecisionKind,
    DecisionStatus,
)
from portline.registrations.models import AppointmentRequest
from portline.scheduling.models import Port
from portline.stats.measures import DIMENSIONS, MEASURES, UNKNOWN_NATIONALITY
from portline.stats.models import SimulationRun
from portline.stats.snapshot import read_counts
from portline.stats.suppression import SUPPRESSION_VERSION, Published, combine, protect_layer

Month = dt.date  # always the first day of the month


def _month(value: dt.date | dt.datetime) -> Month:
    return dt.date(value.year, value.month, 1)


def _events(measure: str) -> QuerySet[Any, Any]:
    """One row per person and event: (period, port_code, nat[, outcome_code]) values."""
    rows: QuerySet[Any, Any]
    if measure == "requests":
        rows = AppointmentRequest.objects.filter(registration__people__isnull=False).values(
            period=TruncMonth("round_date"),
            port_code=F("first_port__code"),
            nat=F("registration__people__nationality"),
        )
    elif measure == "appointments":
        rows = Appointment.objects.filter(registration__people__isnull=False).values(
            period=TruncMonth("service_date"),
            port_code=F("port__code"),
            nat=F("registration__people__nationality"),
        )
    elif measure == "confirmations":
        rows = PersonConfirmation.objects.values(
            period=TruncMonth("appointment__service_date"),
            port_code=F("appointment__port__code"),
            nat=F("person__nationality"),
        )
    elif measure == "arrivals":
        rows = Arrival.objects.filter(status=ArrivalStatus.ARRIVED).values(
            period=TruncMonth("service_date"),
            port_code=F("port__code"),
            nat=Coalesce(F("person__nationality"), Value("")),
        )
    elif measure == "decisions":
        rows = Decision.objects.filter(status=DecisionStatus.FINAL).values(
            period=TruncMonth("decided_at", tzinfo=dt.UTC),
            port_code=F("port__code"),
            nat=F("person__nationality"),
            outcome_code=F("kind"),
        )
    else:  # pragma: no cover - callers validate the name
        raise KeyError(measure)
    return rows.order_by()


def _grouped(measure: str) -> list[tuple]:
    """(month, port, nationality[, outcome], n): DuckDB over the Parquet snapshot where one is
    configured (PORTLINE_STATS_PARQUET_DIR), else one GROUP BY in the database."""
    with_outcome = len(MEASURES[measure].dims) == 3
    directory = settings.STATS_PARQUET_DIR
    if directory:
        path = Path(directory) / f"{measure}.parquet"
        if path.exists():
            return read_counts(path, with_outcome=with_outcome)
    fields = ["period", "port_code", "nat", *(["outcome_code"] if with_outcome else [])]
    return list(_events(measure).annotate(n=Count("*")).values_list(*fields, "n"))


def measure_counts(measure: str) -> dict[Month, dict[tuple[str, ...], int]]:
    """Per month, the full cross-classified counts of one measure."""
    layers: dict[Month, dict[tuple[str, ...], int]] = {}
    for period, port, nat, *rest in _grouped(measure):
        n = int(rest[-1])
        if n == 0 or period is None:
            continue
        key = (port, nat or UNKNOWN_NATIONALITY, *rest[:-1])
        cells = layers.setdefault(_month(period), {})
        cells[key] = cells.get(key, 0) + n
    return layers


def snapshot_rows(measure: str):
    """The rows `portline stats snapshot` writes for one measure, streamed."""
    with_outcome = len(MEASURES[measure].dims) == 3
    fields = ["period", "port_code", "nat", *(["outcome_code"] if with_outcome else [])]
    for period, port, nat, *rest in (
        _events(measure).values_list(*fields).iterator(chunk_size=20_000)
    ):
        if period is not None:
            yield (_month(period), port, nat or UNKNOWN_NATIONALITY, *rest)


def published_months(today: dt.date | None = None) -> list[Month]:
    """Months that may be shown: finished ones, and the running one only where the operator
    chose to (PORTLINE_STATS_OPEN_MONTH; a running month changes daily, and comparing two
    days' figures could reveal a small count)."""
    today = today or clock.now().date()
    current = _month(today)
    months: set[Month] = set()
    for measure in MEASURES:
        months.update(measure_counts(measure))
    return sorted(m for m in months if m < current or (settings.STATS_OPEN_MONTH and m == current))


def threshold_default() -> int:
    return int(settings.STATS_THRESHOLD)


def _unknown_refused(names: Iterable[str], known: Iterable[str], field: str, template: str) -> None:
    known = list(known)
    unknown = [name for name in (n.strip() for n in names) if name and name not in known]
    if unknown:
        message = template % {"unknown": ", ".join(unknown), "known": ", ".join(known)}
        raise ValidationFailed(message, errors={field: [message]})


def dimensions_check(by: Iterable[str]) -> None:
    """Refuse unknown dimensions (ValidationFailed naming them and the known ones)."""
    template = _("Unknown dimension: %(unknown)s. Choose from: %(known)s.")
    _unknown_refused(by, DIMENSIONS, "by", template)


def measures_check(measures: Iterable[str]) -> None:
    """Refuse unknown measures (ValidationFailed naming them and the known ones)."""
    template = _("Unknown measure: %(unknown)s. Choose from: %(known)s.")
    _unknown_refused(measures, MEASURES, "measure", template)


def _parse_dims(by: Iterable[str]) -> tuple[bool, tuple[str, ...]]:
    dimensions_check(by)
    dims = [d.strip() for d in by if d.strip()]
    return "month" in dims, tuple(d for d in dims if d != "month")


@dataclass(frozen=True)
class Row:
    measure: str
    period: str  # YYYY-MM, or YYYY-MM..YYYY-MM for a range
    dims: tuple[str, ...]
    values: tuple[str, ...]
    count: int | None  # None: hidden (fewer than the threshold, or hiding one that is)


def _rows_of(measure: str, period: str, pub: Published, dims: tuple[str, ...]) -> list[Row]:
    order = [d for d in pub.dims if d in dims]
    if not dims:
        return [Row(measure, period, (), (), None if pub.total_hidden else pub.total)]
    if len(dims) == 1:
        cats = pub.one_way[dims[0]]
        return [
            Row(measure, period, dims, (c,), None if hidden else n)
            for c, (n, hidden) in sorted(cats.items())
        ]
    pair = (order[0], order[1])
    flip = tuple(order) != dims
    rows = []
    for (a, b), (n, hidden) in sorted(pub.two_way[pair].items()):
        values = (b, a) if flip else (a, b)
        rows.append(Row(measure, period, dims, values, None if hidden else n))
    return rows


def protected_layers(
    months: Sequence[Month],
    threshold: int,
    measures: Sequence[str] | None = None,
    progress: Callable[[Iterable[str]], Iterable[str]] | None = None,
) -> dict[str, dict[Month, Published]]:
    """Each measure's months, each protected on its own. `progress` may wrap the loop over
    measures (a progress bar)."""
    out: dict[str, dict[Month, Published]] = {}
    names = list(measures or MEASURES)
    for name in progress(names) if progress else names:
        counts = measure_counts(name)
        dims = MEASURES[name].dims
        out[name] = {m: _protected(dims, counts.get(m, {}), threshold) for m in months}
    return out


def _protected(
    dims: tuple[str, ...], counts: dict[tuple[str, ...], int], threshold: int
) -> Published:
    """protect_layer, cached by the counts themselves: a month whose figures did not change
    is not protected again (auditing a large three-way layer takes seconds)."""
    digest = hashlib.sha256(
        repr((SUPPRESSION_VERSION, dims, threshold, sorted(counts.items()))).encode()
    ).hexdigest()
    key = f"stats:layer:{digest}"
    published = cache.get(key)
    if published is None:
        published = protect_layer(dims, counts, threshold)
        cache.set(key, published, timeout=7 * 24 * 3600)
    return published


def period_label(months: Sequence[Month]) -> str:
    label = months[0].strftime("%Y-%m")
    return label + ".." + months[-1].strftime("%Y-%m") if len(months) > 1 else label


def rows_from_layers(
    layers: dict[str, dict[Month, Published]], by: Sequence[str], months: Sequence[Month]
) -> list[Row]:
    per_month, dims = _parse_dims(by)
    groups = (
        [dims] if len(dims) <= 2 else [(a, b) for i, a in enumerate(dims) for b in dims[i + 1 :]]
    )
    rows: list[Row] = []
    for name, by_month in layers.items():
        if not set(dims) <= set(MEASURES[name].dims) or not months:
            continue
        if per_month:
            periods = [(m.strftime("%Y-%m"), by_month[m]) for m in months]
        else:
            periods = [(period_label(months), combine([by_month[m] for m in months]))]
        for period, pub in periods:
            for group in groups:
                rows.extend(_rows_of(name, period, pub, group))
    return rows


def months_in_range(start: dt.date | None, end: dt.date | None) -> list[Month]:
    if start and end and start > end:
        message = _("The end of the range is before its start.")
        raise ValidationFailed(message, errors={"to": [message]})
    return [
        m
        for m in published_months()
        if (start is None or m >= _month(start)) and (end is None or m <= _month(end))
    ]


def statistics_table(
    *,
    by: Sequence[str],
    start: dt.date | None = None,
    end: dt.date | None = None,
    measures: Sequence[str] | None = None,
    threshold: int | None = None,
    progress: Callable[[Iterable[str]], Iterable[str]] | None = None,
) -> list[Row]:
    """Protected counts by up to two of port/nationality/outcome, per month or summed over
    the published months in [start, end].

    A measure without one of the asked dimensions (outcome is only for decisions) is left
    out. Three dimensions are answered with their three two-way tables.
    """
    threshold = threshold_default() if threshold is None else threshold
    if threshold < 1:
        message = _("The suppression threshold must be at least 1.")
        raise ValidationFailed(message, errors={"threshold": [message]})
    _parse_dims(by)  # unknown dimensions and measures are refused before any query
    measures_check(measures or ())
    months = months_in_range(start, end)
    return rows_from_layers(protected_layers(months, threshold, measures, progress), by, months)


@dataclass(frozen=True)
class Crosstab:
    """Rows of categories by columns of measures, for a page table."""

    columns: tuple[str, ...]  # measure names
    rows: tuple[tuple[str, str, tuple[int | None, ...]], ...]  # (code, label, counts)


@dataclass(frozen=True)
class StatisticsPage:
    months: tuple[Month, ...]  # every published month
    period: str  # "YYYY-MM" or "all"
    chosen: tuple[Month, ...]
    threshold: int
    totals: Crosstab
    by_port: Crosstab
    by_nationality: Crosstab
    by_outcome: Crosstab
    over_time: Crosstab


def _crosstab(rows: list[Row], labels: dict[str, str] | None = None) -> Crosstab:
    columns = tuple(dict.fromkeys(r.measure for r in rows))
    cells: dict[str, dict[str, int | None]] = {}
    for r in rows:
        key = r.values[0] if r.values else r.period
        cells.setdefault(key, {})[r.measure] = r.count
    labels = labels or {}
    return Crosstab(
        columns,
        tuple(
            (key, labels.get(key, key), tuple(cells[key].get(c, 0) for c in columns))
            for key in sorted(cells, key=lambda k: labels.get(k, k))
        ),
    )


def statistics_page(*, period: str, language: str) -> StatisticsPage:
    """Everything the public statistics page shows, for one month or all published months."""
    months = published_months()
    if period != "all":
        wanted = [m for m in months if m.strftime("%Y-%m") == period]
        period = (
            wanted[0].strftime("%Y-%m")
            if wanted
            else (months[-1].strftime("%Y-%m") if months else "all")
        )
    chosen = months if period == "all" else [m for m in months if m.strftime("%Y-%m") == period]
    threshold = threshold_default()
    layers = protected_layers(months, threshold)
    ports = {p.code: p.name for p in Port.objects.all()}
    nationalities = {
        r.values[0]: country_name(r.values[0], language)
        for r in rows_from_layers(layers, ["nationality"], chosen)
    }
    nationalities[UNKNOWN_NATIONALITY] = str(_("Unknown"))
    outcomes = {k: str(label) for k, label in DecisionKind.choices}
    return StatisticsPage(
        months=tuple(months),
        period=period,
        chosen=tuple(chosen),
        threshold=threshold,
        totals=_crosstab(rows_from_layers(layers, [], chosen)),
        by_port=_crosstab(rows_from_layers(layers, ["port"], chosen), ports),
        by_nationality=_crosstab(rows_from_layers(layers, ["nationality"], chosen), nationalities),
        by_outcome=_crosstab(rows_from_layers(layers, ["outcome"], chosen), outcomes),
        over_time=_crosstab(rows_from_layers(layers, ["month"], months)),
    )


def simulations_recent() -> list[SimulationRun]:
    return list(SimulationRun.objects.all()[:20])


def simulation_get(run_id: int) -> SimulationRun:
    run = SimulationRun.objects.filter(pk=run_id).first()
    if run is None:
        raise NotFound(_("No such simulation."))
    return run
