import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from portline.audit.selectors import audit_consistency_proof
from portline.common.errors import ApplicationError


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {text!r}") from exc


class Command(BaseCommand):
    help = "Print an RFC 6962 consistency proof: the log at the end of DAY1 is a prefix of the log at the end of DAY2."

    def add_arguments(self, parser):
        parser.add_argument("day1", help="YYYY-MM-DD")
        parser.add_argument("day2", help="YYYY-MM-DD")

    def handle(self, *args, day1, day2, **options):
        try:
            proof = audit_consistency_proof(first=_day(day1), second=_day(day2))
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(json.dumps(proof, indent=2, sort_keys=True))
