from django.core.management.base import BaseCommand

from portline.allocation.management.commands._lottery import fail
from portline.allocation.models import BeaconSource
from portline.appointments.services import rounds_tick
from portline.appointments.tasks import allocation_tick
from portline.common.errors import ApplicationError


class Command(BaseCommand):
    help = (
        "Scheduled step: freeze the round of the window that closed, draw rounds whose beacon "
        "is in and offer their appointments."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--beacon",
            choices=BeaconSource.values,
            default=BeaconSource.DRAND,
            help="beacon for a round frozen now",
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="queue the work for `portline worker` instead of doing it here",
        )

    def handle(self, *args, beacon, enqueue, **options):
        if enqueue:
            result = allocation_tick.enqueue(beacon_source=beacon)
            self.stdout.write(f"Queued allocation tick {result.id}.")
            return
        try:
            done = rounds_tick(actor=None, beacon_source=beacon)
        except ApplicationError as exc:
            raise fail(exc) from exc
        self.stdout.write(
            f"Frozen: {', '.join(done['frozen']) or 'none'}. Drawn: {', '.join(done['drawn']) or 'none'}."
        )
