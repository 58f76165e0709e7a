import importlib.util
import io
from contextlib import redirect_stdout
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portline.allocation.management.commands._lottery import fail, parse_round
from portline.allocation.selectors import round_get, round_recheck
from portline.common.errors import ApplicationError


def _standalone():
    path = Path(__file__).resolve().parents[4] / "verifier" / "portline_verify.py"
    spec = importlib.util.spec_from_file_location("portline_verify", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Command(BaseCommand):
    help = "Re-check a round: recompute fingerprint, seed and draw from the database (or run the standalone verifier on an export)."

    def add_arguments(self, parser):
        parser.add_argument("round", help="the round's date, YYYY-MM-DD")
        parser.add_argument(
            "--export", help="check this export folder with verifier/portline_verify.py instead"
        )
        parser.add_argument(
            "--beacon", help="with --export: the beacon value as you fetched it yourself"
        )
        parser.add_argument(
            "--commitment", help="with --export: the commitment published when it was frozen"
        )

    def handle(self, *args, round, export, beacon, commitment, **options):
        round_date = parse_round(round)
        if export:
            argv = [export] + (["--beacon", beacon] if beacon else [])
            argv += ["--commitment", commitment] if commitment else []
            buffer = io.StringIO()
            with redirect_stdout(buffer):
                status = _standalone().main(argv)
            self.stdout.write(buffer.getvalue().rstrip("\n"))
            if status:
                raise CommandError("the export does not match")
            return
        try:
            check = round_recheck(round_get(round_date))
        except ApplicationError as exc:
            raise fail(exc) from exc
        if check.ok:
            self.stdout.write(
                f"MATCH round {round_date}: fingerprint, commitment, seed and draw recomputed from the database agree."
            )
            return
        for problem in check.problems:
            self.stdout.write(f"DIFFERENCE {problem}")
        raise CommandError("the round does not match its record")
