import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from portline.common.errors import ApplicationError
from portline.transport import services
from portline.transport.selectors import local_time


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{value!r} is not a date: write YYYY-MM-DD.") from exc


class Command(BaseCommand):
    help = (
        "Group a day's confirmed appointments from one departure city into vehicles: "
        "portline transport plan --date D --from CITY [--dry-run]"
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", required=True, help="the appointments' day, YYYY-MM-DD")
        parser.add_argument("--from", dest="city", required=True, help="departure city")
        parser.add_argument(
            "--dry-run", action="store_true", help="show the plan without storing it"
        )

    def handle(self, *args, **options):
        day = _date(options["date"])
        try:
            outcome = services.transport_plan(
                actor=None,
                service_date=day,
                departure_city=options["city"],
                dry_run=options["dry_run"],
            )
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        result = outcome.result
        verb = "would store" if outcome.plan is None else "stored"
        replaced = " (replacing the earlier plan)" if outcome.replaced else ""
        self.stdout.write(
            f"Transport from {options['city'].strip()} on {day.isoformat()}: "
            f"{len(result.vehicles)} vehicles, {result.people} people; {verb}{replaced}"
        )
        for number, vehicle in enumerate(result.vehicles, start=1):
            route = outcome.routes[vehicle.port]
            families = sum(1 for party in vehicle.parties if party.is_family)
            departs = local_time(
                vehicle.departs_at, route.departure_time_zone, route.departure_city
            )
            slot = local_time(vehicle.slot_starts_at, route.port.time_zone, route.port.name)
            self.stdout.write(
                f"  vehicle {number:>3}  {vehicle.port}  departs {departs}  slot {slot}  "
                f"{vehicle.seats_taken}/{vehicle.capacity} seats  {families} families or groups"
            )
        if result.unrouted:
            self.stdout.write(f"  {len(result.unrouted)} appointments at ports without a route")
