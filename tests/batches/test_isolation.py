"""A staff member sees only the batches of their own departments, in lists and by id."""

import pytest
from django.http import Http404
from django.urls import reverse

from tests.builders import make_batch, make_department, make_staff
from tsuchi.accounts.models import Role
from tsuchi.batches.selectors import batch_get_for_user, batches_for_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_departments():
    mine, theirs = make_department("保育課"), make_department("税務課")
    me, them = make_staff(mine, Role.PREPARER), make_staff(theirs, Role.PREPARER)
    return (mine, me, make_batch(mine, me)), (theirs, them, make_batch(theirs, them))


def test_staff_cannot_list_another_departments_batch(two_departments):
    (_, me, my_batch), _ = two_departments
    assert list(batches_for_user(me)) == [my_batch]


def test_staff_cannot_open_another_departments_batch(two_departments, client):
    (_, me, _), (_, _, their_batch) = two_departments
    with pytest.raises(Http404):
        batch_get_for_user(me, their_batch.pk)
    client.force_login(me)
    assert client.get(reverse("batches:detail", args=[their_batch.pk])).status_code == 404


def test_same_municipality_other_department_is_isolated_too(client):
    mine = make_department("保育課")
    theirs = make_department("税務課", municipality=mine.municipality)
    me, them = make_staff(mine, Role.VIEWER), make_staff(theirs, Role.PREPARER)
    their_batch = make_batch(theirs, them)
    client.force_login(me)
    assert list(batches_for_user(me)) == []
    assert client.get(reverse("batches:list")).status_code == 200
    assert client.get(reverse("batches:detail", args=[their_batch.pk])).status_code == 404


def test_member_of_two_departments_sees_both(two_departments):
    (_, me, my_batch), (theirs, _, their_batch) = two_departments
    from tsuchi.accounts.models import Membership

    Membership.objects.create(user=me, department=theirs, role=Role.VIEWER)
    assert set(batches_for_user(me)) == {my_batch, their_batch}


def test_own_batch_page_opens(two_departments, client):
    (_, me, my_batch), _ = two_departments
    client.force_login(me)
    response = client.get(reverse("batches:detail", args=[my_batch.pk]))
    assert response.status_code == 200
    assert my_batch.title in response.content.decode()
