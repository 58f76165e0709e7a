import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import get_language
from tqdm import tqdm

from portline.common.errors import ApplicationError
from portline.stats.exports import rows_csv, rows_pdf, rows_xlsx
from portline.stats.selectors import published_months, statistics_table, threshold_default


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{value!r} is not a date: write YYYY-MM-DD.") from exc


class Command(BaseCommand):
    help = (
        "Published statistics offline, with the same suppression as the public page: "
        "portline report --from D --to D --by nationality,port,outcome --format csv|xlsx|pdf"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--from", dest="start", help="first day, YYYY-MM-DD (default: first published month)"
        )
        parser.add_argument(
            "--to", dest="end", help="last day, YYYY-MM-DD (default: last published month)"
        )
        parser.add_argument(
            "--by",
            default="port",
            help="comma-separated: month, port, nationality, outcome (default: port)",
        )
        parser.add_argument("--measure", default="", help="comma-separated measures (default: all)")
        parser.add_argument("--format", dest="fmt", choices=["csv", "xlsx", "pdf"], default="csv")
        parser.add_argument("--out", help="file to write (default for csv: standard output)")
        parser.add_argument(
            "--threshold",
            type=int,
            help=f"hide counts below this (default: PORTLINE_STATS_THRESHOLD, now {threshold_default()})",
        )

    def handle(self, *args, start, end, by, measure, fmt, out, threshold, **options):
        start_day = _date(start) if start else None
        end_day = _date(end) if end else None
        if threshold is not None and threshold < 1:
            raise CommandError("--threshold must be at least 1: 0 would publish every count.")
        if fmt != "csv" and not out:
            raise CommandError(f"--format {fmt} needs --out FILE.")
        threshold = threshold or threshold_default()

        def bar(names):
            return tqdm(
                names,
                desc="measures",
                unit="measure",
                file=self.stderr,
                leave=False,
                disable=not self.stderr.isatty(),
            )

        try:
            rows = statistics_table(
                by=by.split(","),
                start=start_day,
                end=end_day,
                measures=[m for m in measure.split(",") if m] or None,
                threshold=threshold,
                progress=bar,
            )
        except ApplicationError as exc:
            raise CommandError(str(exc)) from exc
        if not rows:
            months = published_months()
            latest = months[-1].strftime("%Y-%m") if months else "none yet"
            raise CommandError(
                f"No published figures between {start or 'the start'} and {end or 'now'} "
                f"for --by {by} (months are published once over; latest published: {latest})."
            )
        if fmt == "csv":
            text = rows_csv(rows)
            if out:
                Path(out).write_text(text, encoding="utf-8")
            else:
                self.stdout.write(text, ending="")
        elif fmt == "xlsx":
            Path(out).write_bytes(rows_xlsx(rows, threshold))
        else:
            title = f"Portline statistics ({rows[0].period})"
            Path(out).write_bytes(rows_pdf(rows, threshold, get_language() or "en", title))
        if out:
            self.stderr.write(f"wrote {len(rows)} rows to {out}")
