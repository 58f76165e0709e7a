from django.core.management.base import BaseCommand, CommandError

from portline.audit.selectors import audit_verify
from portline.audit.services import audit_chain_pending


class Command(BaseCommand):
    help = "Check the audit hash chain and every published day root; name each modified, deleted, inserted or reordered event."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-chain",
            action="store_true",
            help="check the database as it is: do not chain committed events first",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="processes that check ranges of the chain side by side (PostgreSQL; default: one per core)",
        )

    def handle(self, *args, no_chain=False, workers=None, **options):
        if not no_chain:
            chained = audit_chain_pending()
            if chained:
                self.stderr.write(f"  chained {chained:,} committed event(s) first")
        report = audit_verify(
            progress=lambda n: self.stderr.write(f"  {n:,} events checked"), workers=workers
        )
        for finding in report.findings:
            self.stdout.write(finding.line())
        if report.truncated:
            self.stdout.write(f"... and {report.truncated} more findings")
        days = len(report.days)
        if report.ok:
            self.stdout.write(
                f"OK {report.events} events in {days} day(s): the chain is unbroken and every "
                "published day root matches."
            )
            return
        raise CommandError(
            f"the audit log does not verify: {len(report.findings) + report.truncated} finding(s)"
        )
