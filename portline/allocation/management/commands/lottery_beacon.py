from django.core.management.base import BaseCommand

from portline.allocation.management.commands._lottery import fail, parse_round
from portline.allocation.services import round_beacon_set
from portline.common.errors import ApplicationError


class Command(BaseCommand):
    help = (
        "Enter the public beacon value (drand randomness or NIST output) that seeds a frozen round."
    )

    def add_arguments(self, parser):
        parser.add_argument("round", help="the round's date, YYYY-MM-DD")
        parser.add_argument(
            "value", help="the beacon value, hexadecimal (drand: `randomness`; NIST: `outputValue`)"
        )
        parser.add_argument(
            "--beacon-round",
            help="the beacon's round number or pulse time, to check it is the one fixed at freeze",
        )
        parser.add_argument(
            "--signature",
            default="",
            help="drand: the round's signature (hex), checked when py_ecc is installed",
        )
        parser.add_argument(
            "--previous-signature", default="", help="drand: the previous round's signature (hex)"
        )
        parser.add_argument(
            "--local",
            action="store_true",
            help="a local value for a round frozen with --beacon local (demos, tests)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check the arguments, write nothing"
        )

    def handle(
        self,
        *args,
        round,
        value,
        beacon_round,
        signature,
        previous_signature,
        local,
        dry_run,
        **options,
    ):
        round_date = parse_round(round)
        if dry_run:
            self.stdout.write(
                f"Would set the beacon of round {round_date} to {value}; nothing written."
            )
            return
        try:
            round_obj = round_beacon_set(
                actor=None,
                round_date=round_date,
                value=value,
                beacon_round=beacon_round,
                signature=signature,
                previous_signature=previous_signature,
                local=local,
            )
        except ApplicationError as exc:
            raise fail(exc) from exc
        checked = "signature checked" if round_obj.beacon_verified else "signature not checked"
        if round_obj.is_local_beacon:
            checked = "LOCAL value (demo/test): not a public beacon"
        self.stdout.write(f"Round {round_obj.round_date} seeded ({checked}).")
        self.stdout.write(f"Input digest {round_obj.input_digest}")
        self.stdout.write(f"Seed {round_obj.seed}")
