"""The whole staff workflow in a real browser: a preparer creates a batch, uploads the core
system's PDF and the CSV, reviews the cross-check, signs on the server and submits; another
staff member approves (決裁). Background tasks run in the test process (ImmediateBackend)."""

from __future__ import annotations

import re

import pytest

from tests.api.helpers import configure_server_key
from tests.builders import make_department, make_staff
from tests.core.signing.conftest import crl_server_url, pki_dir, test_pki  # noqa: F401
from tsuchi.accounts.models import Role
from tsuchi.batches.models import Batch, BatchState, NoticeStatus
from tsuchi.core.samples import generate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"


@pytest.fixture
def staff():
    department = make_department()
    return (
        make_staff(department, Role.PREPARER, username="sakusei"),
        make_staff(department, Role.APPROVER, username="kessai"),
    )


def _click(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name).first.click()


def _log_out(page) -> None:
    _click(page, "Log out")


def test_preparer_prepares_reviews_signs_and_another_approves(
    page,
    log_in,
    live_server,
    staff,
    settings,
    test_pki,  # noqa: F811
    tmp_path,
):
    configure_server_key(settings, test_pki, tmp_path)
    sample = generate(tmp_path / "sample", count=24, seed=3)
    # English labels keep the test independent of the wording of the Japanese catalogue.
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])

    log_in(page, "sakusei", PASSWORD)
    page.get_by_role("link", name="New batch").click()
    page.fill("#id_title", "保育所入所通知 4月")
    page.fill("#id_notice_type", "保育所入所通知")
    _click(page, "Create")

    page.set_input_files("#id_batch_pdf", str(sample.batch_pdf))
    page.set_input_files("#id_records_csv", str(sample.applications_csv))
    page.select_option("#id_profile", "nursery")
    _click(page, "Upload and prepare")
    batch = Batch.objects.get(title="保育所入所通知 4月")
    assert batch.state == BatchState.REVIEW

    page.get_by_role("link", name="Open the review").click()
    # Decide every notice that needs a human eye, then confirm the CSV rows without a notice.
    while True:
        page.goto(f"{live_server.url}/batches/{batch.pk}/review/?outcome=unresolved")
        links = page.get_by_role("link", name=re.compile(r"^\d+$"))
        if not links.count():
            break
        with page.expect_navigation():
            links.first.click()
        # The rendered page of the notice is shown beside the record.
        page.wait_for_function(
            "() => [...document.querySelectorAll('img.page-image')]"
            ".every(img => img.complete && img.naturalWidth > 0)"
        )
        _click(page, "Send on paper")
    page.goto(f"{live_server.url}/batches/{batch.pk}/review/")
    while page.get_by_role("button", name="Confirm: no notice needed").count():
        _click(page, "Confirm: no notice needed")

    page.goto(f"{live_server.url}/batches/{batch.pk}/")
    _click(page, "Sign on the server")
    page.goto(f"{live_server.url}/batches/{batch.pk}/")
    assert not batch.notices.filter(channel="electronic", signed_sha256="").exists()
    _click(page, "Submit for approval")
    _log_out(page)

    log_in(page, "kessai", PASSWORD)
    page.goto(f"{live_server.url}/batches/{batch.pk}/")
    _click(page, "Approve")
    batch.refresh_from_db()
    assert batch.state == BatchState.APPROVED
    assert batch.approved_by.username == "kessai"
    assert batch.notices.filter(status=NoticeStatus.READY).exists()
    assert page.locator(".badge.state-approved").count()
