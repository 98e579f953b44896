"""Delete the sample PDFs clerks uploaded to the profile designer once they are old.

They hold residents' personal data and serve only the designer session that uploaded them;
run this daily (cron or a systemd timer): ``python manage.py purge_designer_samples``.
"""

from datetime import timedelta

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.utils import timezone

ROOT = "designer"


class Command(BaseCommand):
    help = "Delete profile-designer samples older than --hours (default 24)."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=24)

    def handle(self, *args, hours, **options):
        cutoff = timezone.now() - timedelta(hours=hours)
        deleted = 0
        if not default_storage.exists(ROOT):
            self.stdout.write("0 samples deleted")
            return
        departments, _ = default_storage.listdir(ROOT)
        for department in departments:
            _, files = default_storage.listdir(f"{ROOT}/{department}")
            for name in files:
                path = f"{ROOT}/{department}/{name}"
                if default_storage.get_modified_time(path) < cutoff:
                    default_storage.delete(path)
                    deleted += 1
        self.stdout.write(f"{deleted} samples deleted")
