from django.core.management.base import BaseCommand

from portline.synthetic.load import demo_load


class Command(BaseCommand):
    help = (
        "Load demo accounts (one per role), a seeded synthetic population and one allocation cycle "
        "(two drawn rounds with appointments today and tomorrow, one waiting for its beacon); "
        "prints a summary and the demo logins. Running it again adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed", type=int, default=2023, help="generator seed (same seed, same people)"
        )
        parser.add_argument(
            "--registrations",
            type=int,
            default=200,
            help="how many registrations (units of 1-10 people)",
        )
        parser.add_argument(
            "--no-cycle", action="store_true", help="skip the requests, rounds and appointments"
        )

    def handle(self, *args, seed, registrations, no_cycle, **options):
        logins, people, cycle = demo_load(
            seed=seed, registrations=registrations, cycle=not no_cycle
        )
        if people:
            self.stdout.write(
                f"Loaded {registrations} registrations ({people} people), seed {seed}."
            )
        if cycle is not None:
            state = "Loaded" if cycle.created else "Already loaded (nothing new)"
            self.stdout.write(
                f"{state}: {len(cycle.rounds)} rounds, {cycle.requests} requests, {cycle.appointments} appointments "
                f"({cycle.confirmed} confirmed, {cycle.offered} awaiting confirmation)."
            )
            for round_date, status, beacon in cycle.rounds:
                self.stdout.write(f"  round {round_date.isoformat()}: {status} ({beacon} beacon)")
        self.stdout.write("")
        self.stdout.write(
            "Demo logins (password, then a code from an authenticator app set up with the TOTP secret,"
        )
        self.stdout.write("or `portline accounts otp-code LOGIN` while PORTLINE_DEMO=1):")
        for login in logins:
            self.stdout.write(
                f"  {login.role:<14} {login.login:<32} {login.password:<28} TOTP secret {login.totp_secret}"
            )
