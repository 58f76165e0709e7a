from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Demo only (PORTLINE_DEMO=1): print the current authenticator code of a demo login."

    def add_arguments(self, parser):
        parser.add_argument("login")

    def handle(self, *args, login, **options):
        if not settings.DEMO or not login.endswith("@demo.portline.test"):
            raise CommandError("Only for demo logins while PORTLINE_DEMO=1.")
        device = TOTPDevice.objects.filter(user__login=login, confirmed=True).first()
        if device is None:
            raise CommandError("No authenticator for that login.")
        code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{code:0{device.digits}d}")
