"""A clerk sets up a notice profile in the browser: clicks the notice number on a sample page,
sees the proposed label and the value tsuchi reads, saves, and finds the profile listed."""

from __future__ import annotations

import os
import re

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from playwright.sync_api import expect

from tests.builders import make_batch, make_department, make_staff
from tsuchi.accounts.models import Role
from tsuchi.batches import services
from tsuchi.batches.models import NoticeProfile
from tsuchi.core.samples.notices import generate
from tsuchi.evidence.services import Actor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("TSUCHI_SCREENSHOTS")  # a folder, to look at the page by eye


@pytest.fixture
def setup(tmp_path):
    department = make_department()
    preparer = make_staff(department, Role.PREPARER, username="clerk")
    sample = generate(tmp_path / "sample", count=2)
    batch = services.batch_attach_sources(
        batch=make_batch(department, preparer),
        batch_pdf=ContentFile(sample.batch_pdf.read_bytes(), name="batch.pdf"),
        records_csv=None,
        actor=Actor.staff(preparer),
    )
    return department, batch


def test_clerk_clicks_the_notice_number_and_saves_a_new_profile(page, live_server, log_in, setup):
    department, batch = setup
    log_in(page, "clerk", "correct horse battery")
    designer = reverse("batches:designer", args=[department.pk])
    page.goto(f"{live_server.url}{designer}?sample=batch-{batch.pk}")

    page.select_option("#new-field-kind", "notice_number")
    page.click("#add-field")
    # The keyboard path: Tab to the text box, Enter.
    page.locator(".text-box[title^='通知番号']").focus()
    page.keyboard.press("Enter")

    assert page.input_value("[name=f-0-label]") == "通知番号"
    assert "通知番号" in page.locator(".field-row .proposal").inner_text()
    value = page.locator("#f-0-value")
    value.filter(has_text="保第08-00001号").wait_for()
    assert page.input_value("[name=f-0-pattern]") == r"保第\d{2}-\d{5}号"
    page.locator("#notice-count").filter(has_text="2").wait_for()

    # A click on a box with label and value proposes the label (受付番号 → application_number).
    page.select_option("#new-field-kind", "application_number")
    page.click("#add-field")
    page.locator(".text-box[title^='受付番号']").click()
    assert page.input_value("[name=f-1-label]") == "受付番号"
    expect(page.locator("#f-1-value")).to_have_text(re.compile(r"^\d{7}$"))

    # A rectangle dragged around the addressee's name fills the next field's rectangle.
    page.select_option("#new-field-kind", "applicant_name")
    page.click("#add-field")
    stage = page.locator("#page-overlay").bounding_box()
    mm = stage["width"] / 210
    page.mouse.move(stage["x"] + 20 * mm, stage["y"] + 44 * mm)
    page.mouse.down()
    page.mouse.move(stage["x"] + 80 * mm, stage["y"] + 48 * mm, steps=5)
    page.mouse.move(stage["x"] + 110 * mm, stage["y"] + 52 * mm, steps=5)
    page.mouse.up()
    assert page.input_value("[name=f-2-rect]").count(",") == 3
    # The first sample notice's addressee, read by rectangle with the honorific 様 removed.
    expect(page.locator("#f-2-value")).to_have_text(re.compile(r"^\S+ \S+$"))

    page.fill("#p-name", "テスト通知（画面で作成）")
    page.fill("#p-type", "browser_test")
    page.fill("[name=f-0-column]", "通知番号")
    page.fill("#match-key", "notice_number")
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, "designer-desktop.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=os.path.join(SCREENSHOTS, "designer-phone.png"), full_page=True)
    with page.expect_navigation():
        page.click("#save-button")

    assert "テスト通知（画面で作成）" in page.locator("#main").inner_text()
    saved = NoticeProfile.objects.get(department=department)
    assert saved.name == "テスト通知（画面で作成）"
