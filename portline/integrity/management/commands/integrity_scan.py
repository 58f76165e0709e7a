"""`portline integrity scan`: run every integrity rule over every submitted registration."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from portline.integrity.services import integrity_scan


class Command(BaseCommand):
    help = (
        "Run the integrity pattern rules over every submitted registration (resumable, idempotent)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--restart",
            action="store_true",
            help="Start a new scan instead of resuming an unfinished one.",
        )
        parser.add_argument("--quiet-progress", action="store_true", help="No progress bar.")
        parser.add_argument(
            "--no-linkage",
            action="store_true",
            help="Run the rules only, not the person linkage (portline linkage run does it alone).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Run every rule and report, then roll everything back (stores nothing).",
        )

    def handle(self, *args, restart, quiet_progress, dry_run, no_linkage, **options):
        last: dict[str, int] = {}

        def progress(step: str, done: int, total: int) -> None:
            if quiet_progress or total <= 0:
                return
            percent = done * 100 // total
            if last.get(step) == percent and done != total:
                return
            last[step] = percent
            bar = "#" * (percent // 4)
            end = "\n" if done >= total else "\r"
            self.stdout.write(f"{step:<14} [{bar:<25}] {percent:3d}% ({done}/{total})", ending=end)
            self.stdout.flush()

        if dry_run:
            with transaction.atomic():
                run = integrity_scan(resume=False, progress=progress, link=not no_linkage)
                transaction.set_rollback(True)
            self.stdout.write("Dry run: nothing was stored.")
        else:
            run = integrity_scan(resume=not restart, progress=progress, link=not no_linkage)
        self.stdout.write(
            self.style.SUCCESS(
                f"Scan {run.pk} finished: {run.flags_created} new flag(s); steps {', '.join(run.steps_done)}."
            )
        )
