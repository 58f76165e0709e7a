"""`portline linkage run`: link every person record and store the clusters."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from portline.common.errors import ApplicationError
from portline.linkage import engine
from portline.linkage.services import linkage_run


class Command(BaseCommand):
    help = "Link person records across registrations, partner entries and accounts (Splink)"

    def add_arguments(self, parser):
        parser.add_argument("--backend", choices=["duckdb", "spark"], default=None)
        parser.add_argument("--threshold", type=float, default=engine.DEFAULT_THRESHOLD)
        train = parser.add_mutually_exclusive_group()
        train.add_argument("--train", action="store_true", default=None, help="retrain the model")
        train.add_argument("--no-train", dest="train", action="store_false", help="reuse the model")

    def handle(self, *args, backend, threshold, train, **options):
        try:
            run = linkage_run(actor=None, backend=backend, train=train, threshold=threshold)
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(
            f"Linkage run {run.pk} ({run.backend}): {run.record_count} records, "
            f"{run.link_count} links, {run.cluster_count} clusters."
        )
