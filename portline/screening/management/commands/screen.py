"""`portline screen "NAME" --dob YYYY-MM-DD --nationality XX`: ranked hits with explanations."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from portline.common.errors import ApplicationError
from portline.screening import index_cache
from portline.screening.display import explanation_lines
from portline.screening.match import PartialDate, Query
from portline.screening.models import WatchlistEntry
from portline.screening.services import screening_run_for_query


class Command(BaseCommand):
    help = (
        "Screen a name against every active watchlist and print the ranked hits with the reasons."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="the person's full name, in any order and script")
        parser.add_argument("--dob", default="", help="date of birth: YYYY-MM-DD (or YYYY)")
        parser.add_argument("--nationality", default="", help="two-letter country code, e.g. HN")
        parser.add_argument(
            "--min-score",
            type=float,
            default=None,
            help="also show weaker candidates, down to this score",
        )
        parser.add_argument("--limit", type=int, default=20)
        parser.add_argument(
            "--dry-run", action="store_true", help="do not record the screening run"
        )

    def handle(self, *args, name, dob, nationality, min_score, limit, dry_run, **options):
        try:
            date_of_birth = PartialDate.parse(dob) if dob else None
        except ValueError as exc:
            raise CommandError(
                _("“%(value)s” is not a date: use YYYY-MM-DD.") % {"value": dob}
            ) from exc
        nationality = nationality.upper()
        index, lists = index_cache.active_index()
        if not lists:
            self.stdout.write(
                _(
                    "No active watchlist: import one with `portline watchlist import FILE --list NAME`."
                )
            )
            return
        query = Query(name, date_of_birth, nationality)
        if dry_run or min_score is not None:
            hits = [
                (h.key, h.score, h.explanation)
                for h in index.search(query, limit=limit, min_score=min_score)
            ]
        else:
            try:
                run = screening_run_for_query(
                    actor=None, name=name, date_of_birth=date_of_birth, nationality=nationality
                )
            except ApplicationError as exc:
                raise CommandError(str(exc.message)) from exc
            hits = [(h.entry_id, h.score, h.explanation) for h in run.hits.order_by("rank")[:limit]]
        entries = WatchlistEntry.objects.select_related("watchlist").in_bulk(
            [key for key, _s, _e in hits]
        )
        listed = ", ".join(f"{n} v{info['version']}" for n, info in sorted(lists.items()))
        self.stdout.write(
            _("Screened “%(name)s” against %(count)s entries (%(lists)s).")
            % {"name": name, "count": len(index), "lists": listed}
        )
        if not hits:
            self.stdout.write(_("No hits."))
            return
        for rank, (key, score, explanation) in enumerate(hits, start=1):
            entry = entries[key]
            self.stdout.write("")
            self.stdout.write(
                f"{rank}. [{score:.0f}] {entry.primary_name} — {entry.watchlist.name}"
                + (f" #{entry.external_id}" if entry.external_id else "")
            )
            if entry.reason:
                self.stdout.write("   " + _("Listed for: %(reason)s") % {"reason": entry.reason})
            for line in explanation_lines(explanation):
                self.stdout.write(f"   - {line}")
        self.stdout.write("")
        self.stdout.write(_("Hits are flags for an officer to adjudicate; they are not decisions."))
