from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portline.stats.measures import MEASURES
from portline.stats.selectors import snapshot_rows
from portline.stats.snapshot import write_rows


class Command(BaseCommand):
    help = (
        "Write the Parquet snapshot the statistics read with DuckDB (PORTLINE_STATS_PARQUET_DIR)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", help="folder (default: PORTLINE_STATS_PARQUET_DIR)")

    def handle(self, *args, out, **options):
        folder = out or settings.STATS_PARQUET_DIR
        if not folder:
            raise CommandError("Give --out FOLDER or set PORTLINE_STATS_PARQUET_DIR.")
        directory = Path(folder)
        directory.mkdir(parents=True, exist_ok=True)
        for name, measure in MEASURES.items():
            count = write_rows(
                directory / f"{name}.parquet",
                snapshot_rows(name),
                with_outcome=len(measure.dims) == 3,
            )
            self.stdout.write(f"{name}: {count:,} rows")
        self.stdout.write(f"wrote the statistics snapshot to {directory}")
