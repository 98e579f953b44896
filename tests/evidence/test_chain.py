import io

import pytest

from tests.builders import batch_approved, make_department, make_staff
from tsuchi.accounts.models import Role
from tsuchi.evidence.models import Event, EvidenceChain
from tsuchi.evidence.services import chain_key_for_batch, chain_verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def batch():
    department = make_department()
    return batch_approved(
        department, make_staff(department, Role.PREPARER), make_staff(department, Role.APPROVER)
    )


def test_untouched_chain_verifies(batch):
    verdict = chain_verify(chain_key_for_batch(batch.pk))
    assert verdict.ok
    assert verdict.checked == Event.objects.filter(chain__key=f"batch:{batch.pk}").count() > 5


def test_edited_event_is_named(batch):
    event = Event.objects.filter(chain__key=f"batch:{batch.pk}").order_by("sequence")[3]
    Event.objects.filter(pk=event.pk).update(data={"from": "draft", "to": "done"})
    verdict = chain_verify(chain_key_for_batch(batch.pk))
    assert not verdict.ok
    assert verdict.broken_link == str(event.pk)


def test_deleted_event_is_named_by_its_successor(batch):
    events = list(Event.objects.filter(chain__key=f"batch:{batch.pk}").order_by("sequence"))
    Event.objects.filter(pk=events[2].pk).delete()
    verdict = chain_verify(chain_key_for_batch(batch.pk))
    assert not verdict.ok
    assert verdict.broken_link == str(events[3].pk)


def test_deleted_last_event_is_detected_by_the_head(batch):
    last = Event.objects.filter(chain__key=f"batch:{batch.pk}").order_by("-sequence").first()
    Event.objects.filter(pk=last.pk).delete()
    verdict = chain_verify(chain_key_for_batch(batch.pk))
    assert not verdict.ok
    assert "head" in verdict.reason


def test_chains_of_batches_are_separate(batch):
    department = make_department()
    other = batch_approved(
        department, make_staff(department, Role.PREPARER), make_staff(department, Role.APPROVER)
    )
    assert EvidenceChain.objects.get(key=chain_key_for_batch(other.pk)).length > 0
    Event.objects.filter(chain__key=f"batch:{batch.pk}").update(user_agent="forged")
    assert chain_verify(chain_key_for_batch(other.pk)).ok
    assert not chain_verify(chain_key_for_batch(batch.pk)).ok


def test_verify_evidence_command_names_the_broken_event(batch):
    from django.core.management import CommandError, call_command

    out = io.StringIO()
    call_command("verify_evidence", stdout=out)
    assert f"batch:{batch.pk}: ok" in out.getvalue()
    event = Event.objects.filter(chain__key=f"batch:{batch.pk}").order_by("sequence")[1]
    Event.objects.filter(pk=event.pk).update(kind="batch.done")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_evidence", "--batch", str(batch.pk), stdout=out)
    assert f"BROKEN at event {event.pk}" in out.getvalue()
