"""Public statistics: the page, its downloads and the data dictionary. No login needed."""

from __future__ import annotations

import datetime as dt
import json

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from portline.common.errors import ValidationFailed
from portline.stats.charts import bar_chart
from portline.stats.exports import rows_csv
from portline.stats.measures import DIMENSIONS, MEASURES
from portline.stats.selectors import Row, statistics_page, statistics_table, threshold_default


def _chart(title: str, crosstab, prefer: str = "appointments", limit: int | None = None):
    """A bar chart of one column of `crosstab`: `prefer` if it has one, else its first."""
    if not crosstab.columns:
        return ""
    measure = prefer if prefer in crosstab.columns else crosstab.columns[0]
    column = crosstab.columns.index(measure)
    items = [(label, counts[column]) for _code, label, counts in crosstab.rows]
    if limit:
        items = sorted(items, key=lambda item: -(item[1] or 0))[:limit]
    label = MEASURES[measure].label
    return bar_chart(title % {"measure": label}, items, _("hidden"))


@require_safe
def statistics(request: HttpRequest) -> HttpResponse:
    page = statistics_page(period=request.GET.get("period", ""), language=get_language() or "en")
    measure_labels = {name: m.label for name, m in MEASURES.items()}
    context = {
        "page": page,
        "measure_labels": measure_labels,
        "measures": MEASURES,
        "dimensions": DIMENSIONS,
        "hidden_below": page.threshold,
        "charts": {
            "totals": bar_chart(
                _("People at each step"),
                [
                    (str(measure_labels[m]), page.totals.rows[0][2][i] if page.totals.rows else 0)
                    for i, m in enumerate(page.totals.columns)
                ],
                _("hidden"),
            ),
            "port": _chart(_("%(measure)s by port"), page.by_port),
            "outcome": _chart(_("%(measure)s by outcome"), page.by_outcome, "decisions"),
            "nationality": _chart(
                _("%(measure)s by nationality (ten largest)"), page.by_nationality, limit=10
            ),
            "time": _chart(_("%(measure)s by month"), page.over_time),
        },
    }
    return render(request, "public/statistics.html", context)


def _period_range(period: str) -> tuple[dt.date | None, dt.date | None]:
    if not period or period == "all":
        return None, None
    try:
        month = dt.date.fromisoformat(period + "-01")
    except ValueError as exc:
        raise ValidationFailed(_("Choose a month as YYYY-MM, or all.")) from exc
    return month, month


def _download_rows(request: HttpRequest) -> list[Row]:
    start, end = _period_range(request.GET.get("period", ""))
    by = [d for d in request.GET.get("by", "port").split(",") if d]
    return statistics_table(by=by, start=start, end=end)


def row_as_dict(row: Row) -> dict:
    out: dict = {"measure": row.measure, "period": row.period}
    for i, (dim, value) in enumerate(zip(row.dims, row.values, strict=True), start=1):
        out[f"dimension_{i}"] = dim
        out[f"value_{i}"] = value
    out["count"] = row.count
    out["hidden"] = row.count is None
    return out


@require_safe
def statistics_download(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in {"csv", "json"}:
        raise Http404
    try:
        rows = _download_rows(request)
    except ValidationFailed as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    if fmt == "json":
        body = {
            "threshold": threshold_default(),
            "hidden_means": _(
                "fewer than the threshold, or hidden so that one cannot be worked out"
            ),
            "rows": [row_as_dict(r) for r in rows],
        }
        response = HttpResponse(
            json.dumps(body, ensure_ascii=False, indent=1), content_type="application/json"
        )
    else:
        response = HttpResponse(rows_csv(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="portline-statistics.csv"'
    response["Cache-Control"] = "public, max-age=3600"
    return response
