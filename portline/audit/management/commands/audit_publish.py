import datetime as dt
import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portline.audit.selectors import signed_document
from portline.audit.services import audit_days_publish
from portline.common import clock


class Command(BaseCommand):
    help = "Sign and publish the Merkle root of every finished day not yet published (run it daily after midnight UTC)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--before",
            help="publish days before this date (YYYY-MM-DD); default and latest: today (UTC)",
        )
        parser.add_argument(
            "--out",
            help="folder for the signed JSON files (default: PORTLINE_VAR_DIR/audit/roots)",
        )

    def handle(self, *args, before, out, **options):
        today = clock.now().astimezone(dt.UTC).date()
        try:
            cutoff = dt.date.fromisoformat(before) if before else today
        except ValueError as exc:
            raise CommandError(f"not a date (YYYY-MM-DD): {before!r}") from exc
        published = audit_days_publish(actor=None, before=cutoff)
        folder = Path(out) if out else Path(settings.VAR_DIR) / "audit" / "roots"
        folder.mkdir(parents=True, exist_ok=True)
        for day in published:
            path = folder / f"{day.day.isoformat()}.json"
            path.write_text(json.dumps(signed_document(day), indent=2, sort_keys=True) + "\n")
            self.stdout.write(
                f"published {day.day}: {day.count} events, day root {day.day_root}, "
                f"log size {day.tree_size} root {day.tree_root} -> {path}"
            )
        if not published:
            self.stdout.write("nothing to publish: every finished day already is")
