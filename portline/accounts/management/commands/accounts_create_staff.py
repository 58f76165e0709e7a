import getpass

from django.core.management.base import BaseCommand, CommandError

from portline.accounts.models import STAFF_ROLES
from portline.accounts.services import user_create
from portline.common.errors import ApplicationError
from portline.partners.models import PartnerOrganization
from portline.scheduling.models import Port


class Command(BaseCommand):
    help = (
        "Create a staff account (one per person; they set up their authenticator at first login)."
    )

    def add_arguments(self, parser):
        parser.add_argument("login", help="e-mail or phone of the person")
        parser.add_argument("--role", required=True, choices=sorted(STAFF_ROLES))
        parser.add_argument("--port", help="port code (officers and supervisors)")
        parser.add_argument("--partner", help="partner organization name (partner staff)")
        parser.add_argument("--name", default="", help="name shown")

    def handle(self, *args, login, role, port, partner, name, **options):
        port_obj = Port.objects.filter(code=port).first() if port else None
        partner_obj = PartnerOrganization.objects.filter(name=partner).first() if partner else None
        if port and port_obj is None:
            raise CommandError(f"Unknown port {port}")
        if partner and partner_obj is None:
            raise CommandError(f"Unknown partner {partner}")
        password = getpass.getpass("Password: ")
        try:
            user = user_create(
                login=login,
                password=password,
                role=role,
                display_name=name,
                port=port_obj,
                partner=partner_obj,
            )
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(f"Created {role} account {user.pk}.")
