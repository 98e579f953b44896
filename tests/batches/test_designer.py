"""The profile designer: who may use it, what it stores, and what its endpoints return."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from tests.builders import make_batch, make_department, make_staff
from tsuchi.accounts.models import Role
from tsuchi.batches import profile_services, services
from tsuchi.batches.designer_views import propose
from tsuchi.batches.models import NoticeProfile
from tsuchi.batches.profiles import profiles_for_department, shipped_profiles
from tsuchi.core.documents.render import TextBox
from tsuchi.core.errors import ProfileError
from tsuchi.core.profiles import load_profile
from tsuchi.core.samples.notices import generate
from tsuchi.evidence.services import Actor

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("designer"), count=3)


@pytest.fixture
def batch(department, preparer, sample):
    batch = make_batch(department, preparer)
    return services.batch_attach_sources(
        batch=batch,
        batch_pdf=ContentFile(sample.batch_pdf.read_bytes(), name="batch.pdf"),
        records_csv=None,
        actor=Actor.staff(preparer),
    )


@pytest.fixture
def logged_in(client, preparer):
    client.force_login(preparer)
    return client


def nursery_state():
    nursery = next(p for p in shipped_profiles() if p.key == "nursery")
    state = profile_services.state_from_profile(nursery.load())
    state["name"] = "保育所入所通知（テスト課）"
    return state


def as_post(state, **extra):
    """The designer's form fields for a state, as the browser would submit them."""
    data = {k: v for k, v in state.items() if isinstance(v, str)}
    for i, row in enumerate(state["fields"]):
        for part in ("name", "label", "rect", "page", "pattern", "strip_suffix", "column"):
            data[f"f-{i}-{part}"] = row[part]
        for part in ("optional", "verify"):
            if row[part]:
                data[f"f-{i}-{part}"] = "1"
    for i, row in enumerate(state["extras"]):
        data[f"x-{i}-name"] = row["name"]
        data[f"x-{i}-column"] = row["column"]
    data.update(extra)
    return data


def url(name, department, *args):
    return reverse(f"batches:{name}", args=[department.pk, *args])


# --- access ------------------------------------------------------------------------------------


def test_profile_pages_need_a_login(client, department):
    for target in (reverse("batches:profiles"), url("designer", department)):
        response = client.get(target)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_a_viewer_cannot_open_or_save_with_the_designer(client, department):
    client.force_login(make_staff(department, Role.VIEWER))
    assert client.get(url("designer", department)).status_code == 404
    response = client.post(url("designer_save", department), as_post(nursery_state()))
    assert response.status_code == 404
    assert not NoticeProfile.objects.exists()


def test_another_departments_profile_and_batch_pdf_are_404(logged_in, department, batch):
    other = make_department()
    other_preparer = make_staff(other, Role.PREPARER)
    theirs = NoticeProfile.objects.create(
        department=other, name="他課", toml=shipped_profiles()[0].toml, created_by=other_preparer
    )
    assert logged_in.get(url("designer", other)).status_code == 404
    assert logged_in.get(url("designer", department) + f"?from=db:{theirs.pk}").status_code == 404
    edit = as_post(nursery_state(), profile_id=str(theirs.pk))
    assert logged_in.post(url("designer_save", department), edit).status_code == 404

    logged_in.force_login(other_preparer)
    sample = f"batch-{batch.pk}"
    for department_ in (department, other):
        response = logged_in.get(url("designer_page", department_, sample, 1))
        assert response.status_code == 404
    assert logged_in.get(url("designer_boxes", other, sample, 1)).status_code == 404


def test_an_uploaded_sample_is_visible_only_in_the_uploaders_session(logged_in, department, sample):
    with sample.batch_pdf.open("rb") as pdf:
        response = logged_in.post(url("designer_sample", department), {"sample_pdf": pdf})
    assert response.status_code == 302
    token = response["Location"].split("sample=")[1]
    assert logged_in.get(url("designer_page", department, token, 1)).status_code == 200

    colleague = Client()
    colleague.force_login(make_staff(department, Role.PREPARER))
    assert colleague.get(url("designer_page", department, token, 1)).status_code == 404


# --- saving ------------------------------------------------------------------------------------


def test_saving_an_invalid_profile_names_the_setting_and_stores_nothing(logged_in, department):
    state = nursery_state()
    state["fields"][0]["rect"] = "120, 29.5, 72"
    response = logged_in.post(url("designer_save", department), as_post(state))
    assert response.status_code == 400
    assert "fields.notice_number.rect_mm" in response.content.decode()
    assert not NoticeProfile.objects.exists()

    state = nursery_state()
    state["match_key"] = "no_such_field"
    response = logged_in.post(url("designer_save", department), as_post(state))
    assert "match.key" in response.content.decode()
    assert not NoticeProfile.objects.exists()


def test_saving_a_valid_profile_makes_it_a_choice_for_the_department(
    logged_in, department, preparer
):
    response = logged_in.post(url("designer_save", department), as_post(nursery_state()))
    assert response.status_code == 302
    saved = NoticeProfile.objects.get()
    assert saved.department == department
    assert saved.created_by == preparer
    choice = next(c for c in profiles_for_department(department.pk) if c.key == f"db:{saved.pk}")
    assert choice.name == "保育所入所通知（テスト課）"
    assert choice.load().field("notice_number").pattern == r"保第\d{2}-\d{5}号"
    assert choice.name in logged_in.get(reverse("batches:profiles")).content.decode()
    other = make_department()
    assert all(c.key != f"db:{saved.pk}" for c in profiles_for_department(other.pk))


def test_editing_a_saved_profile_replaces_it_and_a_taken_name_is_refused(logged_in, department):
    logged_in.post(url("designer_save", department), as_post(nursery_state()))
    saved = NoticeProfile.objects.get()
    page = logged_in.get(url("designer", department) + f"?from=db:{saved.pk}")
    assert page.status_code == 200
    state = nursery_state()
    state["fields"][0]["label"] = "通知No"
    response = logged_in.post(
        url("designer_save", department), as_post(state, profile_id=str(saved.pk))
    )
    assert response.status_code == 302
    assert NoticeProfile.objects.count() == 1
    assert load_profile(NoticeProfile.objects.get().toml).field("notice_number").label == "通知No"

    response = logged_in.post(url("designer_save", department), as_post(nursery_state()))
    assert response.status_code == 400
    assert NoticeProfile.objects.count() == 1


@pytest.mark.parametrize("key", ["nursery", "allowance"])
def test_the_designer_form_round_trips_every_shipped_profile(key):
    shipped = next(p for p in shipped_profiles() if p.key == key).load()
    state = profile_services.state_from_profile(shipped)
    again = profile_services.state_from_post(as_post(state))
    loaded = load_profile(profile_services.toml_from_state(again))
    # The form lists the fields to verify in field order; the order has no meaning.
    assert set(loaded.match.verify) == set(shipped.match.verify)
    assert replace(loaded, match=shipped.match) == shipped


def test_a_field_defined_twice_is_refused():
    state = nursery_state()
    state["fields"].append(dict(state["fields"][0]))
    with pytest.raises(ProfileError, match=r"fields\.notice_number"):
        profile_services.toml_from_state(state)


# --- page, boxes, preview, test, CSV -----------------------------------------------------------


def test_page_image_is_a_private_png_and_boxes_are_in_mm(logged_in, department, batch):
    sample = f"batch-{batch.pk}"
    image = logged_in.get(url("designer_page", department, sample, 1))
    assert image["Content-Type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")
    assert "no-store" in image["Cache-Control"]

    data = logged_in.get(url("designer_boxes", department, sample, 1)).json()
    assert data["page_count"] == 5
    assert round(data["width_mm"]) == 210
    assert round(data["height_mm"]) == 297
    number = next(b for b in data["boxes"] if b["text"].startswith("通知番号"))
    x, y, _width, height = number["rect_mm"]
    assert 100 < x < 200
    assert 20 < y < 40
    assert 0 < height < 10
    assert number["label"] == "通知番号"
    assert number["value"] == "保第08-00001号"
    assert number["pattern"] == r"保第\d{2}-\d{5}号"
    assert logged_in.get(url("designer_boxes", department, sample, 99)).status_code == 404


def test_a_name_without_label_is_proposed_as_a_rectangle_and_a_label_beside_is_found():
    name = TextBox("池田 大輔 様", (24.0, 45.0, 34.0, 4.0))
    assert propose(name, [name])["label"] == ""
    label = TextBox("受付番号", (120.0, 36.0, 16.0, 3.0))
    value = TextBox("0035223", (140.0, 36.0, 14.0, 3.0))
    proposal = propose(value, [label, value, name])
    assert proposal["label"] == "受付番号"
    assert proposal["pattern"] == r"\d{7}"
    postal = TextBox("〒189-0101", (20.0, 25.0, 20.0, 3.0))
    assert propose(postal, [postal])["pattern"] == r"\d{3}-\d{4}"


def test_preview_reads_the_notice_holding_the_page_and_counts_notices(logged_in, department, batch):
    data = as_post(nursery_state(), sample=f"batch-{batch.pk}", page="2")
    result = logged_in.post(url("designer_preview", department), data).json()
    assert result["error"] == ""
    assert result["values"]["notice_number"] == "保第08-00001号"
    assert result["notice"] == {"pages": [1, 2]}
    assert result["notice_count"] == 3
    assert "[fields.notice_number]" in result["toml"]

    state = nursery_state()
    state["split_rule"] = "fixed"
    state["split_pages"] = "0"
    result = logged_in.post(url("designer_preview", department), as_post(state)).json()
    assert "split.pages" in result["error"]


def test_batch_test_counts_each_field_and_lists_where_it_failed(logged_in, department, batch):
    state = nursery_state()
    state["fields"].append(
        {
            "name": "remarks",
            "label": "備考欄",
            "rect": "",
            "page": "1",
            "pattern": "",
            "strip_suffix": "",
            "optional": False,
            "column": "",
            "verify": False,
        }
    )
    data = as_post(state, sample=f"batch-{batch.pk}")
    result = logged_in.post(url("designer_test", department), data).json()
    assert result["notice_count"] == 3
    assert result["complete"] is True
    fields = {f["name"]: f for f in result["fields"]}
    assert fields["notice_number"]["found"] == 3
    assert fields["remarks"]["missing"] == 3
    assert [f["notice"] for f in fields["remarks"]["failures"]] == [1, 2, 3]
    assert "remarks" in fields["remarks"]["failures"][0]["message"]


def test_sample_csv_headers_are_read_from_cp932(logged_in, department, sample):
    with sample.applications_csv.open("rb") as csv_file:
        result = logged_in.post(url("designer_csv", department), {"sample_csv": csv_file}).json()
    headers = [c["header"] for c in result["columns"]]
    assert headers[:2] == ["申請番号", "申請者氏名"]
    bom = "\ufeff申請番号,氏名\r\n1,髙橋\r\n".encode()
    result = logged_in.post(
        url("designer_csv", department), {"sample_csv": ContentFile(bom, name="a.csv")}
    ).json()
    assert result["columns"] == [
        {"header": "申請番号", "example": "1"},
        {"header": "氏名", "example": "髙橋"},
    ]


def test_the_designer_page_renders_a_shipped_start_and_the_sample(logged_in, department, batch):
    response = logged_in.get(url("designer", department) + f"?from=nursery&sample=batch-{batch.pk}")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="f-0-name" id="f-0-name" value="notice_number"' in body
    assert f"samples/batch-{batch.pk}/pages/1.png" in body


def test_preview_of_an_unfinished_form_reads_values_and_says_what_is_missing(
    logged_in, department, batch
):
    state = profile_services.empty_state()
    state["fields"] = [
        {
            "name": "notice_number",
            "label": "通知番号",
            "rect": "",
            "page": "1",
            "pattern": "",
            "strip_suffix": "",
            "optional": False,
            "column": "",
            "verify": False,
        },
        {
            "name": "child_name",
            "label": "",
            "rect": "",
            "page": "1",
            "pattern": "",
            "strip_suffix": "",
            "optional": False,
            "column": "",
            "verify": False,
        },
    ]
    data = as_post(state, sample=f"batch-{batch.pk}", page="1")
    result = logged_in.post(url("designer_preview", department), data).json()
    assert result["error"] == ""
    assert result["warning"] == "profile.name: missing"
    assert result["values"] == {"notice_number": "保第08-00001号"}
    assert not NoticeProfile.objects.exists()


def test_a_saved_profile_is_deleted_only_from_its_own_department(logged_in, department, preparer):
    saved = NoticeProfile.objects.create(
        department=department, name="削除用", toml=shipped_profiles()[0].toml, created_by=preparer
    )
    other = make_department()
    make_staff(other, Role.PREPARER)
    assert logged_in.post(url("profile_delete", other, saved.pk)).status_code == 404
    assert logged_in.get(url("profile_delete", department, saved.pk)).status_code == 405
    assert logged_in.post(url("profile_delete", department, saved.pk)).status_code == 302
    assert not NoticeProfile.objects.exists()
