"""Reach workflow states through the real services, so no test holds a state the product
cannot reach. Factories for single rows live beside them."""

from __future__ import annotations

import itertools

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile

from tsuchi.accounts.models import Department, Membership, Municipality
from tsuchi.batches import services
from tsuchi.batches.models import Batch, Channel, Reconciliation
from tsuchi.batches.services import PreparedNotice, PreparedRecord
from tsuchi.evidence.services import Actor

_numbers = itertools.count(1)


def make_department(name: str = "保育課", municipality: Municipality | None = None) -> Department:
    n = next(_numbers)
    if municipality is None:
        municipality = Municipality.objects.create(name=f"テスト市{n}", code=f"{n:06d}")
    return Department.objects.create(municipality=municipality, name=f"{name}{n}")


def make_staff(department: Department, role: str, username: str | None = None):
    user = get_user_model().objects.create_user(
        username=username or f"{role}-{next(_numbers)}", password="correct horse battery"
    )
    Membership.objects.create(user=user, department=department, role=role)
    return user


def make_batch(department: Department, preparer) -> Batch:
    return services.batch_create(
        department=department,
        title="テスト通知枠",
        notice_type="保育所入所通知",
        actor=Actor.staff(preparer),
    )


def prepared_notices(count: int = 3) -> list[PreparedNotice]:
    return [
        PreparedNotice(
            sequence=i,
            document=b"%PDF-1.7 notice " + str(i).encode(),
            notice_number=f"保第08-{i:05d}号",
            record_row=i + 1,
            channel=Channel.ELECTRONIC if i % 3 else Channel.PAPER,
            consent=bool(i % 3),
            email=f"resident{i}@example.jp" if i % 3 else "",
            reconciliation=Reconciliation.MATCHED,
        )
        for i in range(1, count + 1)
    ]


def prepared_records(count: int = 3) -> list[PreparedRecord]:
    return [
        PreparedRecord(i + 1, f"{i:07d}", {"申請番号": f"{i:07d}"}) for i in range(1, count + 1)
    ]


def batch_in_review(department: Department, preparer, *, notices=None) -> Batch:
    batch = make_batch(department, preparer)
    actor = Actor.staff(preparer)
    services.batch_attach_sources(
        batch=batch,
        batch_pdf=ContentFile(b"%PDF-1.7 batch", name="batch.pdf"),
        records_csv=None,
        actor=actor,
    )
    services.batch_start_preparation(batch=batch, actor=actor)
    notices = prepared_notices() if notices is None else notices
    return services.batch_finish_preparation(
        batch=batch,
        report={"ok": True},
        notices=notices,
        records=prepared_records(len(notices)),
        actor=Actor.system(),
    )


def sign_all(batch: Batch, preparer) -> None:
    for notice in batch.notices.filter(channel=Channel.ELECTRONIC):
        services.notice_attach_signed(
            notice=notice,
            signed=b"%PDF-1.7 signed " + notice.notice_number.encode(),
            actor=Actor.staff(preparer),
        )


def batch_signed(department: Department, preparer) -> Batch:
    batch = batch_in_review(department, preparer)
    sign_all(batch, preparer)
    return services.batch_mark_signed(batch=batch, actor=Actor.staff(preparer))


def batch_approved(department: Department, preparer, approver) -> Batch:
    batch = batch_signed(department, preparer)
    return services.batch_approve(batch=batch, actor=Actor.staff(approver))
