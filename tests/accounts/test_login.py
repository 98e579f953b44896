import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.builders import make_department, make_staff
from tsuchi.accounts.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.fixture
def staff():
    return make_staff(make_department(), Role.PREPARER, username="tanaka")


def _login(client, password, username="tanaka"):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_correct_password_logs_in(client, staff):
    response = _login(client, "correct horse battery")
    assert response.status_code == 302
    assert response["Location"] == reverse("batches:list")


def test_repeated_failures_pause_logins_even_with_the_right_password(client, staff, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        assert _login(client, "wrong").status_code == 200
    response = _login(client, "correct horse battery")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_failures_for_one_user_do_not_lock_another(client, staff, settings):
    make_staff(make_department(), Role.PREPARER, username="suzuki")
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        _login(client, "wrong")
    assert _login(client, "correct horse battery", username="suzuki").status_code == 302


def test_staff_pages_need_a_login(client):
    response = client.get(reverse("batches:list"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
