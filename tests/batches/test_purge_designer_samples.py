import io
import os
import time

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command


def test_old_designer_samples_are_deleted_and_fresh_ones_kept():
    old = default_storage.save("designer/7/old.pdf", ContentFile(b"%PDF-1.7 old"))
    fresh = default_storage.save("designer/7/fresh.pdf", ContentFile(b"%PDF-1.7 new"))
    a_day_ago = time.time() - 25 * 3600
    os.utime(default_storage.path(old), (a_day_ago, a_day_ago))
    out = io.StringIO()
    call_command("purge_designer_samples", stdout=out)
    assert not default_storage.exists(old)
    assert default_storage.exists(fresh)
    assert "1 samples deleted" in out.getvalue()


def test_nothing_to_purge_is_fine():
    out = io.StringIO()
    call_command("purge_designer_samples", stdout=out)
    assert "0 samples deleted" in out.getvalue()
