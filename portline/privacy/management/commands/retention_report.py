import json

from django.core.management.base import BaseCommand

from portline.privacy.schedule import KINDS
from portline.privacy.selectors import retention_runs


class Command(BaseCommand):
    help = "The retention schedule and what the last retention runs did, per kind of record."

    def add_arguments(self, parser):
        parser.add_argument("--last", type=int, default=10, help="how many runs (default 10)")
        parser.add_argument("--json", action="store_true", help="machine-readable output")

    def handle(self, *args, last, json: bool, **options):
        runs = retention_runs(limit=max(1, last))
        if json:
            self.stdout.write(_json(runs))
            return
        self.stdout.write("Schedule (days):")
        for kind in KINDS:
            self.stdout.write(f"  {kind.key:<24} {kind.days:>5}")
        if not runs:
            self.stdout.write("No retention run yet.")
            return
        for run in runs:
            state = "finished" if run.finished_at else "unfinished"
            counts = ", ".join(f"{k}={v}" for k, v in run.counts.items() if v) or "nothing due"
            self.stdout.write(
                f"{run.started_at:%Y-%m-%d %H:%M:%S} UTC  {state:<10} {run.trigger:<8} "
                f"held={run.held}  {counts}"
            )


def _json(runs) -> str:
    return json.dumps(
        {
            "schedule": {kind.key: kind.days for kind in KINDS},
            "runs": [
                {
                    "id": run.pk,
                    "started_at": run.started_at.isoformat(),
                    "finished_at": run.finished_at.isoformat() if run.finished_at else None,
                    "trigger": run.trigger,
                    "held": run.held,
                    "counts": run.counts,
                }
                for run in runs
            ],
        },
        indent=2,
    )
