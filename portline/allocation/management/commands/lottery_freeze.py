from django.core.management.base import BaseCommand

from portline.allocation.management.commands._lottery import fail, parse_round
from portline.allocation.models import BeaconSource
from portline.allocation.services import _eligible_entries, round_freeze
from portline.common.errors import ApplicationError


class Command(BaseCommand):
    help = "Freeze a round's eligible requests and publish their fingerprint and beacon target."

    def add_arguments(self, parser):
        parser.add_argument("round", help="the round's date (its request window), YYYY-MM-DD")
        parser.add_argument(
            "--beacon",
            choices=BeaconSource.values,
            default=BeaconSource.DRAND,
            help="public beacon that will seed the draw (local: demos and tests only)",
        )
        parser.add_argument(
            "--allow-open-window",
            action="store_true",
            help="freeze before the window closes (demos and tests only)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="count the eligible requests, write nothing"
        )

    def handle(self, *args, round, beacon, allow_open_window, dry_run, **options):
        round_date = parse_round(round)
        if dry_run:
            entries = _eligible_entries(round_date)
            self.stdout.write(
                f"{entries.size} eligible requests ({int(entries['group_size'].sum())} people); nothing written."
            )
            return
        try:
            round_obj = round_freeze(
                actor=None,
                round_date=round_date,
                beacon_source=beacon,
                allow_open_window=allow_open_window,
            )
        except ApplicationError as exc:
            raise fail(exc) from exc
        self.stdout.write(
            f"Round {round_obj.round_date} frozen: {round_obj.request_count} requests, {round_obj.people_count} people."
        )
        self.stdout.write(f"Fingerprint {round_obj.fingerprint}")
        self.stdout.write(
            f"Commitment {round_obj.commitment} (engine version {round_obj.engine_version})"
        )
        when = (
            f" (published {round_obj.beacon_not_before:%Y-%m-%d %H:%M:%S} UTC)"
            if round_obj.beacon_not_before
            else ""
        )
        self.stdout.write(f"Beacon: {round_obj.beacon_source} round {round_obj.beacon_round}{when}")
