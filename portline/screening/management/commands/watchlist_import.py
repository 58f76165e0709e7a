"""`portline watchlist import FILE --list NAME`: create or replace one watchlist atomically."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.text import slugify
from django.utils.translation import gettext as _

from portline.common import clock
from portline.common.errors import ApplicationError
from portline.screening.importer import parse_file
from portline.screening.services import watchlist_import


class Command(BaseCommand):
    help = "Import a watchlist from CSV or JSON, replacing the list of that name atomically."

    def add_arguments(self, parser):
        parser.add_argument(
            "file", help="a .csv or .json file (see docs/screening.md for the columns)"
        )
        parser.add_argument(
            "--list",
            dest="list_name",
            required=True,
            help="the list's name, e.g. national-warrants",
        )
        parser.add_argument(
            "--source", default="", help="where the list comes from (recorded with it)"
        )
        parser.add_argument(
            "--format",
            dest="fmt",
            choices=["csv", "json"],
            default="",
            help="override the format taken from the file name",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check the file and report; write nothing"
        )

    def handle(self, *args, file, list_name, source, fmt, dry_run, **options):
        name = slugify(list_name)
        if not name:
            raise CommandError(_("Give the list a name made of letters, digits or hyphens."))
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": file})
        parsed = parse_file(
            path.read_bytes(), filename=path.name, today=clock.now().date(), fmt=fmt
        )
        if parsed.errors:
            for error in parsed.errors:
                self.stderr.write(f"{path.name}: {error}")
            raise CommandError(
                _(
                    "%(count)s problem(s) in %(file)s; nothing was imported and list “%(name)s” is unchanged."
                )
                % {"count": len(parsed.errors), "file": path.name, "name": name}
            )
        try:
            result = watchlist_import(
                actor=None, name=name, parsed=parsed, source=source, dry_run=dry_run
            )
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        if result.unchanged:
            self.stdout.write(
                _(
                    "List “%(name)s” already holds exactly this content (%(count)s entries); nothing changed."
                )
                % {"name": name, "count": result.entries}
            )
        elif dry_run:
            self.stdout.write(
                _(
                    "Dry run: the file is valid; %(count)s entries would replace %(old)s in list “%(name)s”."
                )
                % {"count": result.entries, "old": result.replaced, "name": name}
            )
        else:
            self.stdout.write(
                _(
                    "List “%(name)s” version %(version)s: %(count)s entries imported, %(old)s replaced."
                )
                % {
                    "name": name,
                    "version": result.watchlist.version,
                    "count": result.entries,
                    "old": result.replaced,
                }
            )
