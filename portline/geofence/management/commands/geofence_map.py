from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from portline.geofence.maps import policy_map_svg
from portline.geofence.models import ServiceAreaPolicy


class Command(BaseCommand):
    help = "Draw the map of a service-area version as SVG (the same drawing as the public page)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--policy", dest="policy_version", type=int, required=True, help="policy version number"
        )
        parser.add_argument(
            "--group",
            choices=["other", "mexican", "all"],
            default="other",
            help="whose area: people who are not Mexican nationals, Mexican nationals, or all (same area)",
        )
        parser.add_argument(
            "--language",
            default=settings.LANGUAGE_CODE,
            choices=[code for code, _name in settings.LANGUAGES],
            help="language of the title and legend",
        )
        parser.add_argument("--output", required=True, help="file to write")

    def handle(self, *args, policy_version, group, language, output, **options):
        policy = ServiceAreaPolicy.objects.filter(version=policy_version).first()
        if policy is None:
            raise CommandError(f"No service-area version {policy_version}.")
        states = policy.states_mexican_nationals if group == "mexican" else policy.states_others
        start = policy.effective_from.astimezone(ZoneInfo("America/Mexico_City")).date().isoformat()
        with translation.override(language):
            svg = policy_map_svg(
                version=policy.version,
                effective_from_text=start,
                states=frozenset(states),
                group=group,
            )
        Path(output).write_bytes(svg)
        self.stdout.write(f"Wrote {output} ({len(svg):,} bytes)")
