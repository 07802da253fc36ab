"""`manage.py record_lineage`: give the images of builds that have none their lineage nodes and parent links."""

from django.core.management.base import BaseCommand

from builds import lineage


class Command(BaseCommand):
    help = "Record the lineage of every build whose images have no lineage nodes yet (e.g. after an import)."

    def handle(self, **options) -> None:
        count = lineage.backfill()
        self.stdout.write(f"Recorded the lineage of {count} build{'s' if count != 1 else ''}.")
