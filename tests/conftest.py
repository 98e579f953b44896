"""Project-wide test settings: files go to a temporary folder, passwords hash fast, tasks run
in the test process."""

from __future__ import annotations

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    # Tests assert the English source text; tests of the Japanese interface opt in with
    # the ``japanese`` fixture.
    settings.LANGUAGE_CODE = "en"
    translation.activate("en")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "files")},
        },
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def japanese(settings):
    """The product's default: Japanese unless a user chose English."""
    settings.LANGUAGE_CODE = "ja"
    translation.activate("ja")
    yield
    translation.activate("en")


# A department with one member of each role that most workflow tests need.
@pytest.fixture
def department(db):
    from tests.builders import make_department

    return make_department()


@pytest.fixture
def preparer(department):
    from tests.builders import make_staff
    from tsuchi.accounts.models import Role

    return make_staff(department, Role.PREPARER)


@pytest.fixture
def approver(department):
    from tests.builders import make_staff
    from tsuchi.accounts.models import Role

    return make_staff(department, Role.APPROVER)
