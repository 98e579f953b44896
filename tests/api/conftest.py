"""Fixtures of the upload API tests: the test PKI (shared with the signing tests), a foreign
PKI, a department with a batch of real prepared PDFs in review, and a token."""

from __future__ import annotations

import pytest

from tests.api.helpers import configure_server_key, prepared_pdf_notices
from tests.builders import batch_in_review
from tests.core.signing.conftest import crl_server_url, pki_dir, test_pki  # noqa: F401
from tsuchi.api.services import api_token_create
from tsuchi.core.samples.pki import make_test_pki


@pytest.fixture(scope="session")
def foreign_pki(tmp_path_factory):
    """Another PKI whose office certificate nobody trusts."""
    return make_test_pki(tmp_path_factory.mktemp("foreign-pki"))


@pytest.fixture
def server_key(settings, test_pki, tmp_path):  # noqa: F811
    configure_server_key(settings, test_pki, tmp_path)
    return test_pki


@pytest.fixture
def batch(department, preparer, tmp_path):
    return batch_in_review(department, preparer, notices=prepared_pdf_notices(tmp_path))


@pytest.fixture
def token(department):
    return api_token_create(department=department, name="端末1")
