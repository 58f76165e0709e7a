import datetime as dt
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError

from portline.common import clock
from portline.geofence import engine
from portline.geofence.selectors import policies_data, state_name

MEXICO_CITY = ZoneInfo("America/Mexico_City")


def parse_moment(text: str) -> dt.datetime:
    """YYYY-MM-DD (noon in Mexico City, away from midnight edges) or an ISO date-time
    (UTC when it has no offset)."""
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            return dt.datetime.combine(day, dt.time(12, 0), tzinfo=MEXICO_CITY)
        moment = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"--at: not a date or date-time: {text!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class Command(BaseCommand):
    help = "Check a point against the service area: verdict, state and policy version."

    def add_arguments(self, parser):
        parser.add_argument("latitude", type=float, help="degrees north, e.g. 32.5149")
        parser.add_argument(
            "longitude", type=float, help="degrees east (west is negative), e.g. -117.0382"
        )
        parser.add_argument(
            "--nationality",
            action="append",
            default=None,
            help="ISO country code of a traveller (repeat for a group); default: not Mexican",
        )
        parser.add_argument("--at", default=None, help="YYYY-MM-DD or ISO date-time; default: now")
        parser.add_argument(
            "--accuracy", type=float, default=None, help="accuracy radius in metres"
        )

    def handle(self, *args, latitude, longitude, nationality, at, accuracy, **options):
        moment = parse_moment(at) if at else clock.now()
        nationalities = [n.upper() for n in (nationality or ["XX"])]
        result = engine.check(
            latitude=latitude,
            longitude=longitude,
            accuracy_m=accuracy,
            nationalities=nationalities,
            at=moment,
            policies=policies_data(),
        )
        lines = [
            f"verdict: {result.verdict}{' (accepted)' if result.accepted else ''}",
            f"state: {result.state + ' ' + state_name(result.state) if result.state else '-'}",
            f"policy version: {result.policy_version if result.policy_version is not None else '-'}",
            f"at: {moment.isoformat()}  groups: {', '.join(result.groups)}",
        ]
        if result.nearest_state and not result.verdict.startswith("inside"):
            lines.append(
                f"nearest eligible: {result.nearest_state} {state_name(result.nearest_state)}, "
                f"{result.distance_km} km (at {result.nearest_latitude}, {result.nearest_longitude})"
            )
        if result.band_m is not None:
            lines.append(f"border band: {result.band_m:.0f} m")
        self.stdout.write("\n".join(lines))
