from django.core.management.base import BaseCommand

from portline.allocation.management.commands._lottery import parse_round
from portline.allocation.selectors import round_get, rounds_public


class Command(BaseCommand):
    help = "List allocation rounds and their figures (or one round in detail)."

    def add_arguments(self, parser):
        parser.add_argument("round", nargs="?", help="one round's date, YYYY-MM-DD")
        parser.add_argument("--limit", type=int, default=14, help="how many recent rounds to list")

    def handle(self, *args, round, limit, **options):
        if round:
            r = round_get(parse_round(round))
            local = "  (LOCAL beacon value: demo/test only)" if r.is_local_beacon else ""
            for label, value in (
                ("round", r.round_date),
                ("appointments on", r.service_date),
                ("status", r.status),
                ("frozen at", r.frozen_at),
                ("requests", r.request_count),
                ("people", r.people_count),
                (
                    "capacity",
                    ", ".join(f"{c} {n}" for c, n in sorted(r.capacities.items()))
                    + f" (total {r.capacity_total})",
                ),
                ("longest-waiting share", f"{r.reserved_percent}%"),
                ("fingerprint", r.fingerprint),
                ("commitment", r.commitment or "- (engine version 1)"),
                ("beacon", f"{r.beacon_source} {r.beacon_round}{local}"),
                ("beacon value", r.beacon_value or "-"),
                ("signature checked", "yes" if r.beacon_verified else "no"),
                ("seed", r.seed or "-"),
                ("engine", r.engine_version or "-"),
                ("input digest", r.input_digest or "-"),
                (
                    "selected",
                    f"{r.selected_requests} requests, {r.selected_people} people ({r.reserved_people} longest-waiting)",
                ),
                ("standby", r.standby_requests),
                ("result digest", r.result_digest or "-"),
            ):
                self.stdout.write(f"{label:>22}: {value}")
            return
        rounds = list(rounds_public()[:limit])
        if not rounds:
            self.stdout.write("No rounds yet.")
            return
        self.stdout.write(
            f"{'round':<10}  {'status':<7}  {'requests':>9}  {'people':>9}  {'capacity':>8}  {'selected':>8}  beacon"
        )
        for r in rounds:
            beacon = f"{r.beacon_source}{' LOCAL' if r.is_local_beacon else ''} {r.beacon_round}"
            self.stdout.write(
                f"{r.round_date!s:<10}  {r.status:<7}  {r.request_count:>9}  {r.people_count:>9}  "
                f"{r.capacity_total:>8}  {r.selected_people:>8}  {beacon}"
            )
