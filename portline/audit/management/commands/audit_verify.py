from django.core.management.base import BaseCommand, CommandError

from portline.audit.selectors import audit_verify


class Command(BaseCommand):
    help = "Check the audit hash chain and every published day root; name each modified, deleted, inserted or reordered event."

    def handle(self, *args, **options):
        report = audit_verify(progress=lambda n: self.stderr.write(f"  {n:,} events checked"))
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
