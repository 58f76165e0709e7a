from pathlib import Path

from django.core.management.base import BaseCommand

from portline.allocation.management.commands._lottery import fail, parse_round
from portline.allocation.selectors import round_export_write, round_get
from portline.common.errors import ApplicationError


class Command(BaseCommand):
    help = "Write a drawn round's public inputs and results (round.json, requests.csv, results.csv) to DIR."

    def add_arguments(self, parser):
        parser.add_argument("round", help="the round's date, YYYY-MM-DD")
        parser.add_argument("directory", help="folder to write (created if missing)")

    def handle(self, *args, round, directory, **options):
        try:
            written = round_export_write(round_get(parse_round(round)), Path(directory))
        except ApplicationError as exc:
            raise fail(exc) from exc
        for path in written:
            self.stdout.write(f"wrote {path}")
        self.stdout.write("Check it with: python3 verifier/portline_verify.py " + directory)
