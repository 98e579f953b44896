"""``make run``'s demo: staff with generated passwords, a batch queued for preparation, and the
demo signing key; a second run changes nothing and prints the same logins."""

import io
import re

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from tsuchi.batches.models import Batch, BatchState

pytestmark = pytest.mark.django_db


def _logins(output: str) -> dict[str, str]:
    return dict(re.findall(r"^\s+\w+\s+(demo-\w+)\s+(\S+)$", output, re.MULTILINE))


def test_demo_loads_once_and_its_printed_logins_work(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.TSUCHI_DEMO_PKI_DIR = tmp_path / "demo-pki"
    first, second = io.StringIO(), io.StringIO()
    call_command("load_demo", stdout=first)
    call_command("load_demo", stdout=second)

    logins = _logins(first.getvalue())
    assert set(logins) == {"demo-preparer", "demo-approver", "demo-admin"}
    assert _logins(second.getvalue()) == logins
    for username, password in logins.items():
        assert authenticate(username=username, password=password) is not None
    assert (tmp_path / "demo-logins.txt").stat().st_mode & 0o077 == 0

    batch = Batch.objects.get()
    assert batch.state == BatchState.PREPARING  # the worker started by `make run` prepares it
    assert batch.batch_pdf
    assert (tmp_path / "demo-pki" / "office.p12").exists()
