import time

from django.core.management.base import BaseCommand

from portline.allocation import engine
from portline.allocation.management.commands._lottery import fail, parse_round
from portline.allocation.models import RoundStatus
from portline.allocation.selectors import round_get
from portline.allocation.services import (
    round_answer_requests,
    round_engine_input,
    round_entries_arrays,
)
from portline.appointments.services import round_draw
from portline.common.errors import ApplicationError


class Command(BaseCommand):
    help = (
        "Draw a seeded round: run the allocation engine, write selections and standby lists, "
        "and offer the appointments."
    )

    def add_arguments(self, parser):
        parser.add_argument("round", help="the round's date, YYYY-MM-DD")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="run the engine and print the figures, write nothing",
        )

    def handle(self, *args, round, dry_run, **options):
        round_date = parse_round(round)
        started = time.perf_counter()
        try:
            if dry_run:
                round_obj = round_get(round_date)
                if round_obj.status != RoundStatus.SEEDED:
                    self.stdout.write(
                        f"Round {round_date} is {round_obj.status}; a dry run needs a seeded round."
                    )
                    return
                arrays = round_entries_arrays(round_obj)
                data, codes = round_engine_input(round_obj, arrays)
                result = engine.allocate(data)
                people = result.selected_people(arrays["group_size"])
                for code, selected, count in zip(codes, result.selected, people, strict=True):
                    self.stdout.write(f"  {code}: {len(selected)} requests, {count} people")
                self.stdout.write("Dry run: nothing written.")
                return
            self.stdout.write(f"Drawing round {round_date}...")
            round_obj = round_draw(actor=None, round_date=round_date)
        except ApplicationError as exc:
            raise fail(exc) from exc
        self.stdout.write(
            f"Round {round_obj.round_date} drawn in {time.perf_counter() - started:.1f} s: "
            f"{round_obj.selected_requests} requests selected ({round_obj.selected_people} people, "
            f"{round_obj.reserved_people} in the longest-waiting share), {round_obj.standby_requests} on standby."
        )
        self.stdout.write(f"Result digest {round_obj.result_digest}")
        started = time.perf_counter()
        answered = round_answer_requests(actor=None, round_date=round_date)
        self.stdout.write(
            f'{answered} other requests answered "not selected" in {time.perf_counter() - started:.1f} s.'
        )
