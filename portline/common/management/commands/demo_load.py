from django.core.management.base import BaseCommand

from portline.synthetic.load import demo_load


class Command(BaseCommand):
    help = "Load demo accounts (one per role) and a seeded synthetic population; prints the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2023, help="generator seed (same seed, same people)")
        parser.add_argument("--registrations", type=int, default=200, help="how many registrations (units of 1-10 people)")

    def handle(self, *args, seed, registrations, **options):
        logins, people = demo_load(seed=seed, registrations=registrations)
        if people:
            self.stdout.write(f"Loaded {registrations} registrations ({people} people), seed {seed}.")
        self.stdout.write("")
        self.stdout.write("Demo logins (password, then a code from an authenticator app set up with the TOTP secret,")
        self.stdout.write("or `portline accounts otp-code LOGIN` while PORTLINE_DEMO=1):")
        for login in logins:
            self.stdout.write(f"  {login.role:<14} {login.login:<32} {login.password:<28} TOTP secret {login.totp_secret}")
