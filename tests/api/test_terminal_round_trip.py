"""The staff terminal's round trip: download the prepared notices, sign them with the office
key on the terminal, upload them; and the download's guards."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from django.urls import reverse

from tests.builders import make_department, make_staff
from tsuchi.accounts.models import Role
from tsuchi.batches.models import Channel, Reconciliation
from tsuchi.cli.main import main
from tsuchi.evidence.models import Event


def _get(client, batch, token):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.get(reverse("api:signing_package", args=[batch.pk]), **headers)


@pytest.mark.django_db
def test_package_holds_exactly_the_prepared_electronic_notices(client, batch, token):
    response = _get(client, batch, token[1])
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    manifest = json.loads(archive.read("manifest.json"))
    electronic = batch.notices.filter(channel=Channel.ELECTRONIC).order_by("sequence")
    assert [n["sequence"] for n in manifest["notices"]] == [n.sequence for n in electronic]
    for entry in manifest["notices"]:
        assert hashlib.sha256(archive.read(entry["file"])).hexdigest() == entry["sha256"]
    assert Event.objects.filter(kind="batch.signing_package_downloaded").count() == 1


@pytest.mark.django_db
def test_package_needs_a_token_of_the_department(client, batch, token):
    assert _get(client, batch, None).status_code == 401
    from tsuchi.api.services import api_token_create

    _, other = api_token_create(department=make_department(), name="他課")
    assert _get(client, batch, other).status_code == 404


@pytest.mark.django_db
def test_package_refused_while_items_need_review(client, batch, token):
    batch.notices.filter(sequence=1).update(reconciliation=Reconciliation.MISMATCHED)
    response = _get(client, batch, token[1])
    assert response.status_code == 409
    assert not Event.objects.filter(kind="batch.signing_package_downloaded").exists()


@pytest.mark.django_db
def test_staff_page_download_needs_the_prepare_right(client, batch, department, preparer):
    viewer = make_staff(department, Role.VIEWER)
    client.force_login(viewer)
    url = reverse("batches:signing_package", args=[batch.pk])
    assert client.get(url).status_code == 302  # refused with a message, nothing sent
    client.force_login(preparer)
    response = client.get(url)
    assert response["Content-Type"] == "application/zip"


@pytest.mark.django_db(transaction=True)
def test_download_sign_upload_on_a_terminal(
    live_server, batch, token, server_key, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("TSUCHI_API_TOKEN", token[1])
    monkeypatch.setenv("TSUCHI_PKCS12_PASSWORD", server_key.password)
    server = ["--server", live_server.url, "--batch", str(batch.pk)]
    to_sign, signed = tmp_path / "to-sign", tmp_path / "signed"

    assert main(["download", *server, str(to_sign)]) == 0
    assert main(["sign", "--in", str(to_sign), "--out", str(signed),
                 "--pkcs12", str(server_key.pkcs12()), "--workers", "1"]) == 0  # fmt: skip
    assert main(["upload", *server, str(signed)]) == 0

    assert "imported: 2 files, 2 accepted, 0 refused" in capsys.readouterr().out
    assert not batch.notices.filter(channel=Channel.ELECTRONIC, signed_sha256="").exists()
    # Nothing left to sign: a second download says so and exits 1.
    assert main(["download", *server, str(tmp_path / "again")]) == 1
