import json

from django.core.management.base import BaseCommand, CommandError

from portline.audit.selectors import audit_inclusion_proof
from portline.common.errors import ApplicationError


class Command(BaseCommand):
    help = "Print an RFC 6962 inclusion proof of one audit event in its day's Merkle tree (JSON for verifier/portline_audit_verify.py)."

    def add_arguments(self, parser):
        parser.add_argument("event_id", type=int, help="the audit event's id")

    def handle(self, *args, event_id, **options):
        try:
            proof = audit_inclusion_proof(event_id=event_id)
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(json.dumps(proof, indent=2, sort_keys=True))
