"""POST /api/batches/<id>/signed-package: every file verified, imported whole or not at all."""

from __future__ import annotations

import hashlib

import pytest
from django.urls import reverse

from tests.api.helpers import file_name, notice_pdf, package, prepare_report, sign_bytes
from tests.builders import make_department
from tsuchi.api.models import ApiToken
from tsuchi.api.services import api_token_create
from tsuchi.batches import services
from tsuchi.batches.models import BatchState, Channel
from tsuchi.core.signing.keys import Pkcs12KeySource
from tsuchi.evidence.models import Event
from tsuchi.evidence.services import Actor, chain_key_for_batch

pytestmark = pytest.mark.django_db


def _signed_files(batch, pki) -> dict[str, bytes]:
    files = {}
    for notice in batch.notices.filter(channel=Channel.ELECTRONIC):
        with notice.document.open("rb") as handle:
            files[file_name(notice.sequence)] = sign_bytes(handle.read(), pki)
    return files


def _post(client, batch, body: bytes, token: str | None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post(
        reverse("api:signed_package", args=[batch.pk]),
        data=body,
        content_type="application/zip",
        **headers,
    )


def _nothing_imported(batch) -> bool:
    return not batch.notices.exclude(signed_sha256="").exists()


def _by_file(response) -> dict[str, dict]:
    return {item["file"]: item for item in response.json()["files"]}


def test_good_package_imports_every_notice_and_the_batch_can_be_submitted(
    client, batch, preparer, server_key, token
):
    row, secret = token
    files = _signed_files(batch, server_key)

    response = _post(client, batch, package(files, prepare_report(batch)), secret)

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "imported"
    assert body["counts"] == {"files": 2, "accepted": 2, "refused": 0}
    assert body["electronic_unsigned"] == 0
    for notice in batch.notices.filter(channel=Channel.ELECTRONIC):
        assert notice.signed_sha256 == hashlib.sha256(files[file_name(notice.sequence)]).hexdigest()
    event = Event.objects.get(
        chain__key=chain_key_for_batch(batch.pk), kind="batch.signed_package_imported"
    )
    assert event.data["token"] == row.pk
    assert secret not in str(event.data)
    services.batch_mark_signed(batch=batch, actor=Actor.staff(preparer))
    batch.refresh_from_db()
    assert batch.state == BatchState.SIGNED


def test_tampered_file_refuses_the_whole_package_naming_it(client, batch, server_key, token):
    files = _signed_files(batch, server_key)
    tampered = file_name(2)
    files[tampered] = files[tampered].replace(b"ReportLab", b"ReportLaB", 1)

    response = _post(client, batch, package(files, prepare_report(batch)), token[1])

    assert response.status_code == 422
    report = _by_file(response)
    assert report[file_name(1)]["ok"]
    assert not report[tampered]["ok"]
    assert "not_intact" in {p["code"] for p in report[tampered]["problems"]}
    assert _nothing_imported(batch)


def test_file_signed_by_a_foreign_certificate_is_refused(
    client, batch, server_key, foreign_pki, token
):
    files = _signed_files(batch, server_key)
    with batch.notices.get(sequence=1).document.open("rb") as handle:
        files[file_name(1)] = sign_bytes(handle.read(), foreign_pki)

    response = _post(client, batch, package(files, prepare_report(batch)), token[1])

    assert response.status_code == 422
    codes = {p["code"] for p in _by_file(response)[file_name(1)]["problems"]}
    assert {"untrusted", "unexpected_signer"} & codes
    assert _by_file(response)[file_name(2)]["ok"]
    assert _nothing_imported(batch)


def test_file_whose_unsigned_revision_is_not_the_prepared_notice_is_refused(
    client, batch, server_key, token, tmp_path
):
    files = _signed_files(batch, server_key)
    other = notice_pdf(tmp_path, 1, text="別の通知書")
    files[file_name(1)] = sign_bytes(other, server_key)

    response = _post(client, batch, package(files, prepare_report(batch)), token[1])

    assert response.status_code == 422
    problems = _by_file(response)[file_name(1)]["problems"]
    assert [p["code"] for p in problems] == ["revision_differs"]
    assert "1" in problems[0]["message"]
    assert _nothing_imported(batch)
    refused = Event.objects.get(
        chain__key=chain_key_for_batch(batch.pk), kind="batch.signed_package_refused"
    )
    assert refused.data["codes"] == ["revision_differs"]


def test_report_naming_another_notice_is_refused(client, batch, server_key, token):
    files = _signed_files(batch, server_key)
    report = prepare_report(batch)
    for entry in report["notices"]:
        entry["sequence"] = 3 - entry["sequence"]  # swap notices 1 and 2

    response = _post(client, batch, package(files, report), token[1])

    assert response.status_code == 422
    assert {p["code"] for p in _by_file(response)[file_name(1)]["problems"]} == {"report_mismatch"}
    assert _nothing_imported(batch)


def test_token_with_an_expected_certificate_refuses_the_server_certificate(
    client, batch, server_key, foreign_pki, department
):
    foreign = Pkcs12KeySource(foreign_pki.pkcs12(), foreign_pki.password).signing_cert
    _row, secret = api_token_create(
        department=department,
        name="IC card",
        signer_sha256=hashlib.sha256(foreign.dump()).hexdigest(),
    )
    response = _post(
        client, batch, package(_signed_files(batch, server_key), prepare_report(batch)), secret
    )
    assert response.status_code == 422
    for item in response.json()["files"]:
        assert "unexpected_signer" in {p["code"] for p in item["problems"]}


def test_not_a_zip_is_refused(client, batch, server_key, token):
    response = _post(client, batch, b"%PDF-1.7 not a zip", token[1])
    assert response.status_code == 422
    assert response.json()["problems"][0]["code"] == "not_a_zip"


@pytest.mark.parametrize("secret", [None, "tsuchi_wrong", "Basic dXNlcjpwYXNz"])
def test_missing_or_wrong_token_is_401(client, batch, server_key, secret):
    response = _post(client, batch, package({}, None), secret)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_is_401(client, batch, server_key, token):
    ApiToken.objects.filter(pk=token[0].pk).update(revoked=True)
    assert _post(client, batch, package({}, None), token[1]).status_code == 401


def test_token_of_another_department_gets_404(client, batch, server_key):
    _row, secret = api_token_create(department=make_department(), name="他課")
    response = _post(
        client, batch, package(_signed_files(batch, server_key), prepare_report(batch)), secret
    )
    assert response.status_code == 404
    assert _nothing_imported(batch)


def test_package_over_the_size_limit_is_413(client, batch, server_key, token, settings):
    settings.TSUCHI_API_MAX_PACKAGE_BYTES = 100
    response = _post(client, batch, b"x" * 101, token[1])
    assert response.status_code == 413


def test_uploads_are_rate_limited_per_token(client, batch, server_key, token, settings):
    settings.TSUCHI_API_UPLOADS_PER_MINUTE = 2
    codes = [_post(client, batch, b"not a zip", token[1]).status_code for _ in range(3)]
    assert codes == [422, 422, 429]


def test_batch_not_in_review_is_409(client, batch, preparer, server_key, token):
    services.batch_cancel(batch=batch, reason="test", actor=Actor.staff(preparer))
    response = _post(client, batch, package({}, None), token[1])
    assert response.status_code == 409


def test_the_endpoint_needs_no_csrf_token(batch, server_key, token):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = _post(strict, batch, b"not a zip", token[1])
    assert response.status_code == 422
