from pathlib import Path

from django.core.management.base import BaseCommand

from portline.ops.proxy import nginx_pages_write


class Command(BaseCommand):
    help = "Write the answers nginx gives by itself when it turns a request away (waiting page, API bodies, in every language) into FOLDER."

    def add_arguments(self, parser):
        parser.add_argument("folder", help="the folder deploy/nginx/portline.conf names as @PAGES@")

    def handle(self, *args, folder, **options):
        written = nginx_pages_write(folder=Path(folder))
        self.stdout.write(f"{len(written)} files written to {folder}.")
