"""Public statistics (no login, no personal data, cacheable): the figures of /statistics/.

The rows are exactly those of the public page and of `portline report` for the same period
(one selector builds all three); hidden counts are `null` with `hidden: true`. See
docs/statistics.md for the suppression rule.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from pydantic import ValidationInfo, field_validator

from portline.api.v1.errors import responses
from portline.stats.measures import DIMENSIONS, MEASURES
from portline.stats.selectors import (
    dimensions_check,
    measures_check,
    published_months,
    statistics_table,
    threshold_default,
)

router = Router(tags=["statistics"])
CACHE = "public, max-age=3600"


def _list_of(names) -> str:
    """A comma-separated list of the given names (empty items and spaces around them allowed,
    as the selectors take them), so the schema states what the server accepts."""
    item = " *(?:" + "|".join(names) + ")? *"
    return f"^{item}(?:,{item})*$"


class StatisticsRowOut(Schema):
    measure: str = Field(
        ..., description="requests, appointments, confirmations, arrivals or decisions."
    )
    period: str = Field(..., description="YYYY-MM, or YYYY-MM..YYYY-MM for a sum over months.")
    dimensions: list[str]
    values: list[str]
    count: int | None = Field(..., description="null when hidden.")
    hidden: bool


class StatisticsOut(Schema):
    threshold: int = Field(..., description="Counts from 1 to threshold - 1 are hidden.")
    rows: list[StatisticsRowOut]


class MonthsOut(Schema):
    threshold: int
    months: list[str] = Field(..., description="Published months, YYYY-MM, oldest first.")
    measures: dict[str, str]
    dimensions: dict[str, str]


class StatisticsQuery(Schema):
    by: str = Field(
        "port",
        description="Comma-separated: month, port, nationality, outcome (at most two besides month give one table; three give their two-way tables).",
        max_length=60,
        pattern=_list_of(DIMENSIONS),
    )
    date_from: dt.date | None = Field(None, alias="from", description="First day of the range.")
    date_to: dt.date | None = Field(None, alias="to", description="Last day of the range.")
    measure: str = Field(
        "",
        description="Comma-separated measures; empty for all.",
        max_length=80,
        pattern=_list_of(MEASURES),
    )

    # Before the patterns: an unknown name gets the message naming it and the known ones.
    @field_validator("by", "measure", mode="before")
    @classmethod
    def _known_names(cls, value: object, info: ValidationInfo) -> object:
        if isinstance(value, str):
            check = dimensions_check if info.field_name == "by" else measures_check
            check(value.split(","))
        return value


@router.get(
    "/statistics/months",
    response=responses({200: MonthsOut}),
    auth=None,
    summary="Published months, measures and dimensions",
)
def statistics_months(request: HttpRequest, response: HttpResponse):
    response["Cache-Control"] = CACHE
    return {
        "threshold": threshold_default(),
        "months": [m.strftime("%Y-%m") for m in published_months()],
        "measures": {name: str(m.definition) for name, m in MEASURES.items()},
        "dimensions": {name: str(text) for name, text in DIMENSIONS.items()},
    }


@router.get(
    "/statistics",
    response=responses({200: StatisticsOut}),
    auth=None,
    summary="Protected counts by month, port, nationality and outcome",
)
def statistics(request: HttpRequest, response: HttpResponse, query: Query[StatisticsQuery]):
    rows = statistics_table(
        by=query.by.split(","),
        start=query.date_from,
        end=query.date_to,
        measures=[m.strip() for m in query.measure.split(",") if m.strip()] or None,
    )
    response["Cache-Control"] = CACHE
    return {
        "threshold": threshold_default(),
        "rows": [
            {
                "measure": r.measure,
                "period": r.period,
                "dimensions": list(r.dims),
                "values": list(r.values),
                "count": r.count,
                "hidden": r.count is None,
            }
            for r in rows
        ],
    }
