import pytest

from tests.builders import (
    batch_approved,
    batch_in_review,
    batch_signed,
    make_batch,
    make_staff,
)
from tsuchi.accounts.models import Role
from tsuchi.batches import services
from tsuchi.batches.models import BatchState, Channel, NoticeStatus, Reconciliation
from tsuchi.batches.services import TransitionError
from tsuchi.evidence.models import Event
from tsuchi.evidence.services import Actor

pytestmark = pytest.mark.django_db


def test_full_workflow_reaches_sent_with_an_event_per_step(department, preparer, approver):
    batch = batch_approved(department, preparer, approver)
    assert batch.state == BatchState.APPROVED
    ready = batch.notices.filter(status=NoticeStatus.READY)
    assert ready.count() == 2
    assert batch.notices.filter(status=NoticeStatus.PAPER).count() == 1
    services.batch_start_sending(batch=batch, actor=Actor.staff(preparer))
    notice = ready.first()
    services.notice_mark_sending(notice=notice, actor=Actor.system())
    services.notice_mark_sent(notice=notice, actor=Actor.system())
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT
    kinds = list(Event.objects.filter(notice_id=notice.pk).values_list("kind", flat=True))
    assert kinds == ["notice.ready", "notice.sending", "notice.sent"]


def test_nothing_is_sent_before_approval(department, preparer):
    batch = batch_signed(department, preparer)
    notice = batch.notices.filter(channel=Channel.ELECTRONIC).first()
    with pytest.raises(TransitionError):
        services.notice_mark_sending(notice=notice, actor=Actor.system())
    with pytest.raises(TransitionError):
        services.batch_start_sending(batch=batch, actor=Actor.staff(preparer))


def test_nothing_is_sent_before_signing(department, preparer, approver):
    batch = batch_in_review(department, preparer)
    with pytest.raises(TransitionError, match="not signed"):
        services.batch_mark_signed(batch=batch, actor=Actor.staff(preparer))
    with pytest.raises(TransitionError):
        services.batch_approve(batch=batch, actor=Actor.staff(approver))
    notice = batch.notices.filter(channel=Channel.ELECTRONIC).first()
    with pytest.raises(TransitionError):
        services.notice_mark_sending(notice=notice, actor=Actor.system())


def test_approver_cannot_approve_own_batch(department, preparer):
    # A member who both prepares and approves (an admin) still cannot approve their own batch.
    admin = make_staff(department, Role.ADMIN)
    batch = batch_signed(department, admin)
    with pytest.raises(TransitionError, match="other than the preparer"):
        services.batch_approve(batch=batch, actor=Actor.staff(admin))
    batch.refresh_from_db()
    assert batch.state == BatchState.SIGNED


def test_preparer_role_cannot_approve(department, preparer):
    other_preparer = make_staff(department, Role.PREPARER)
    batch = batch_signed(department, preparer)
    with pytest.raises(TransitionError, match="permission"):
        services.batch_approve(batch=batch, actor=Actor.staff(other_preparer))


def test_viewer_cannot_create_or_prepare(department):
    viewer = make_staff(department, Role.VIEWER)
    with pytest.raises(TransitionError):
        make_batch(department, viewer)


def test_unresolved_mismatch_blocks_signing(department, preparer):
    from tests.builders import prepared_notices, sign_all

    notices = prepared_notices()
    notices[0] = notices[0].__class__(
        **{**notices[0].__dict__, "reconciliation": Reconciliation.MISMATCHED}
    )
    batch = batch_in_review(department, preparer, notices=notices)
    sign_all(batch, preparer)
    with pytest.raises(TransitionError, match="need review"):
        services.batch_mark_signed(batch=batch, actor=Actor.staff(preparer))


def test_preparation_needs_a_batch_pdf(department, preparer):
    batch = make_batch(department, preparer)
    with pytest.raises(TransitionError, match="Upload"):
        services.batch_start_preparation(batch=batch, actor=Actor.staff(preparer))


def test_opened_only_by_resident(department, preparer, approver):
    batch = batch_approved(department, preparer, approver)
    services.batch_start_sending(batch=batch, actor=Actor.staff(preparer))
    notice = batch.notices.filter(status=NoticeStatus.READY).first()
    services.notice_mark_sending(notice=notice, actor=Actor.system())
    services.notice_mark_sent(notice=notice, actor=Actor.system())
    with pytest.raises(TransitionError):
        services.notice_mark_opened(notice=notice, actor=Actor.staff(preparer))
    services.notice_mark_opened(notice=notice, actor=Actor.resident(ip_address="127.0.0.1"))
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.OPENED


def test_cannot_open_a_notice_that_was_not_sent(department, preparer, approver):
    batch = batch_approved(department, preparer, approver)
    notice = batch.notices.filter(status=NoticeStatus.READY).first()
    with pytest.raises(TransitionError):
        services.notice_mark_opened(notice=notice, actor=Actor.resident())


def test_signed_documents_cannot_change_after_sign_off(department, preparer):
    batch = batch_signed(department, preparer)
    notice = batch.notices.filter(channel=Channel.ELECTRONIC).first()
    with pytest.raises(TransitionError):
        services.notice_attach_signed(notice=notice, signed=b"x", actor=Actor.staff(preparer))


def test_cancel_refused_once_sending(department, preparer, approver):
    batch = batch_approved(department, preparer, approver)
    services.batch_start_sending(batch=batch, actor=Actor.staff(preparer))
    with pytest.raises(TransitionError):
        services.batch_cancel(batch=batch, reason="test", actor=Actor.staff(preparer))


def test_failed_transition_writes_no_event(department, preparer):
    batch = batch_in_review(department, preparer)
    before = Event.objects.count()
    with pytest.raises(TransitionError):
        services.batch_mark_signed(batch=batch, actor=Actor.staff(preparer))
    assert Event.objects.count() == before


def test_copy_takes_settings_not_notices(department, preparer):
    batch = batch_in_review(department, preparer)
    copy = services.batch_copy(batch=batch, title="次回", actor=Actor.staff(preparer))
    assert copy.state == BatchState.DRAFT
    assert copy.notice_type == batch.notice_type
    assert copy.notices.count() == 0
