"""`portline integrity link FILE.csv --out clusters.csv`: deduplicate an external file of people."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from portline.linkage import csvfile, engine


class Command(BaseCommand):
    help = (
        "Deduplicate an external CSV file of people: one output row per record with its "
        "cluster id and the cluster's lowest link probability (columns: docs/linkage.md)"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file of people (UTF-8, Windows-1252 or Latin-1)")
        parser.add_argument("--out", required=True, help="where to write the clusters (CSV)")
        parser.add_argument(
            "--threshold",
            type=float,
            default=engine.DEFAULT_THRESHOLD,
            help="lowest match probability that links two records (default 0.9)",
        )
        parser.add_argument("--backend", choices=["duckdb", "spark"], default="duckdb")

    def handle(self, *args, file: str, out: str, threshold: float, backend: str, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": file})
        if not 0 < threshold < 1:
            raise CommandError(_("The link threshold must be between 0 and 1."))
        try:
            linked = csvfile.link_file(
                path,
                model=engine.default_model(),
                threshold=threshold,
                backend=backend,
                spark_master=settings.SPARK_MASTER,
            )
        except csvfile.LinkFileError as exc:
            shown = exc.errors[: csvfile.MAX_REPORTED_ERRORS]
            more = len(exc.errors) - len(shown)
            lines = [str(e) for e in shown]
            if more:
                lines.append(_("... and %(count)s more.") % {"count": more})
            raise CommandError(
                _("%(file)s was not linked:") % {"file": path.name} + "\n" + "\n".join(lines)
            ) from exc
        except engine.EngineError as exc:
            raise CommandError(str(exc)) from exc
        csvfile.write_clusters(linked.output_rows, Path(out))
        parsed = linked.parsed
        self.stdout.write(
            _("Read %(rows)s people (%(encoding)s); columns: %(columns)s.")
            % {
                "rows": len(parsed.rows),
                "encoding": parsed.encoding,
                "columns": ", ".join(f"{c}={h}" for c, h in parsed.columns.items()),
            }
        )
        if parsed.ignored_columns:
            self.stdout.write(
                _("Ignored columns: %(columns)s.") % {"columns": ", ".join(parsed.ignored_columns)}
            )
        self.stdout.write(
            _(
                "%(clusters)s clusters of more than one record (%(links)s links); written to %(out)s."
            )
            % {"clusters": linked.cluster_count, "links": linked.link_count, "out": out}
        )
