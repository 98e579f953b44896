import dataclasses

import pytest
from django.urls import reverse

from tests.builders import (
    batch_in_review,
    make_department,
    make_staff,
    prepared_notices,
    sign_all,
)
from tsuchi.accounts.models import Role
from tsuchi.batches import services
from tsuchi.batches.models import Channel, NoticeStatus, Reconciliation
from tsuchi.batches.services import TransitionError
from tsuchi.evidence.models import Event
from tsuchi.evidence.services import Actor

pytestmark = pytest.mark.django_db

DIFFERENCE = {
    "field": "address",
    "notice_value": "土見市本町1-2-3",
    "record_value": "土見市本町1-2-4",
}


@pytest.fixture
def batch(department, preparer):
    notices = prepared_notices(3)
    notices[1] = dataclasses.replace(
        notices[1],
        reconciliation=Reconciliation.MISMATCHED,
        channel=Channel.PAPER,
        channel_reason="mismatch",
        differences=[DIFFERENCE],
    )
    return batch_in_review(department, preparer, notices=notices)


def _mismatched(batch):
    return batch.notices.get(reconciliation=Reconciliation.MISMATCHED)


def test_accepting_a_mismatch_resolves_it_and_restores_electronic_delivery(batch, preparer):
    notice = services.notice_review(
        notice=_mismatched(batch), decision="accept", actor=Actor.staff(preparer)
    )
    assert notice.reconciliation == Reconciliation.ACCEPTED
    assert notice.channel == Channel.ELECTRONIC
    assert services.batch_unresolved_count(batch) == 0
    event = Event.objects.filter(kind="notice.reviewed", notice_id=notice.pk).get()
    assert event.data["decision"] == "accept"
    assert event.actor_user == preparer


def test_correcting_the_last_difference_accepts_and_keeps_the_value(batch, preparer):
    notice = services.notice_review(
        notice=_mismatched(batch),
        decision="correct",
        field="address",
        value="土見市本町1-2-3",
        actor=Actor.staff(preparer),
    )
    assert notice.reconciliation == Reconciliation.ACCEPTED
    assert notice.differences == []
    assert notice.record.data["corrected:address"] == "土見市本町1-2-3"


def test_correcting_a_field_without_difference_is_refused(batch, preparer):
    with pytest.raises(TransitionError):
        services.notice_review(
            notice=_mismatched(batch),
            decision="correct",
            field="applicant_name",
            value="x",
            actor=Actor.staff(preparer),
        )


def test_excluded_notice_is_never_made_ready(batch, preparer, department):
    services.notice_review(
        notice=_mismatched(batch), decision="exclude", actor=Actor.staff(preparer)
    )
    sign_all(batch, preparer)
    services.batch_mark_signed(batch=batch, actor=Actor.staff(preparer))
    services.batch_approve(batch=batch, actor=Actor.staff(make_staff(department, Role.APPROVER)))
    assert _excluded(batch).status == NoticeStatus.PENDING


def _excluded(batch):
    return batch.notices.get(reconciliation=Reconciliation.EXCLUDED)


def test_viewer_cannot_decide(batch, department):
    viewer = make_staff(department, Role.VIEWER)
    with pytest.raises(TransitionError):
        services.notice_review(
            notice=_mismatched(batch), decision="accept", actor=Actor.staff(viewer)
        )


def test_record_without_notice_blocks_until_acknowledged(department, preparer):
    batch = batch_in_review(department, preparer)
    orphan = batch.records.create(row_number=99, application_number="0099999", data={})
    sign_all(batch, preparer)
    with pytest.raises(TransitionError, match="need review"):
        services.batch_mark_signed(batch=batch, actor=Actor.staff(preparer))
    services.record_acknowledge(record=orphan, actor=Actor.staff(preparer))
    assert services.batch_mark_signed(batch=batch, actor=Actor.staff(preparer)).state == "signed"


def test_review_pages_show_the_difference_and_take_a_decision(batch, preparer, client):
    client.force_login(preparer)
    notice = _mismatched(batch)
    listing = client.get(reverse("batches:review", args=[batch.pk]) + "?outcome=unresolved")
    assert listing.status_code == 200
    assert notice.notice_number in listing.content.decode()
    page = client.get(reverse("batches:notice_review", args=[batch.pk, notice.sequence]))
    assert page.status_code == 200
    response = client.post(
        reverse("batches:notice_decide", args=[batch.pk, notice.sequence]), {"decision": "paper"}
    )
    assert response.status_code == 302
    notice.refresh_from_db()
    assert (notice.reconciliation, notice.channel) == (Reconciliation.ACCEPTED, Channel.PAPER)


def test_other_department_cannot_see_review_or_page_images(batch, client):
    outsider = make_staff(make_department(), Role.ADMIN)
    client.force_login(outsider)
    notice = _mismatched(batch)
    assert client.get(reverse("batches:review", args=[batch.pk])).status_code == 404
    image = reverse("batches:notice_page", args=[batch.pk, notice.sequence, 1])
    assert client.get(image).status_code == 404
    decide = reverse("batches:notice_decide", args=[batch.pk, notice.sequence])
    assert client.post(decide, {"decision": "accept"}).status_code == 404


def test_problems_are_shown_in_the_clerks_language(batch, preparer, client):
    notice = _mismatched(batch)
    notice.extracted = {
        "_problems": [{"code": "my_number", "message": "the page shows a My Number", "page": 2}]
    }
    notice.save(update_fields=["extracted"])
    client.force_login(preparer)
    page = client.get(reverse("batches:notice_review", args=[batch.pk, notice.sequence]))
    text = page.content.decode()
    assert "the page shows a My Number" not in text  # the core's English is replaced
    assert "個人番号" in text
