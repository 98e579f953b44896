"""The profile designer (プロファイル設定): a clerk sets up a notice type in the browser.

The clerk picks a sample PDF (an upload, or the batch PDF of one of the department's batches),
sees its pages with their text boxes, and fills the designer's form by clicking a box (a label is
proposed) or dragging a rectangle. Every change is previewed by running the real split and
extraction of :mod:`tsuchi.core` on the sample, and "test" runs them over the sample's first
:data:`TEST_PAGE_LIMIT` pages synchronously (a profile test is interactive; a longer batch is
tested on its beginning, which the result says; see docs/profile-designer.md). All pages are
staff-only and scoped to a department where the user may prepare batches; anything else is a
404.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from tsuchi.accounts.models import Department
from tsuchi.accounts.selectors import departments_for_user, user_can
from tsuchi.batches import profile_services, selectors
from tsuchi.batches.models import NoticeProfile
from tsuchi.batches.profiles import shipped_profiles
from tsuchi.batches.storage import local_path
from tsuchi.core.documents.extract import Extraction, extract_fields
from tsuchi.core.documents.pdf import open_batch, open_pdfium
from tsuchi.core.documents.render import TextBox, page_text_boxes, render_page_png
from tsuchi.core.documents.split import split_batch
from tsuchi.core.errors import ProfileError, TsuchiError
from tsuchi.core.profiles import Profile, load_profile

TEST_PAGE_LIMIT = 10_000
"""Pages of the sample a "test on the whole batch" reads (0.3 ms/page measured: about 3 s)."""
COUNT_PAGE_LIMIT = 1000
"""Samples up to this many pages get their notice count with every live preview."""
PREVIEW_WINDOW = 50
FAILURES_SHOWN = 50
IMAGE_DPI = 100
SESSION_KEY = "designer_samples"
MAX_SAMPLE_BYTES = 200 * 1024 * 1024
MAX_CSV_BYTES = 20 * 1024 * 1024

# Fields a clerk usually needs, with what a click should also propose for them.
FIELD_KINDS: list[tuple[str, Any]] = [
    ("notice_number", gettext_lazy("Notice number")),
    ("application_number", gettext_lazy("Application number")),
    ("applicant_name", gettext_lazy("Applicant name")),
    ("postal_code", gettext_lazy("Postal code")),
    ("address", gettext_lazy("Address")),
    ("child_name", gettext_lazy("Child name")),
]
_LABEL_ENDINGS = (
    "番号", "氏名", "名前", "住所", "所在地", "施設", "年月日", "日", "名", "コード",
    "金額", "額", "期間", "区分", "先", "者",
)  # fmt: skip
_LABEL_SPLIT = re.compile(r"^(?P<label>[^\s:：]{1,16}?)\s*(?:[:：]\s*|\s+)(?P<value>\S.*)$")
_DIGITS = re.compile(r"[0-9]+")
_SPECIAL = re.compile(r"([\\.^$*+?{}\[\]|()])")


def _escape(text: str) -> str:
    """``re.escape`` without escaping ``-`` and spaces, so proposals read as the clerk wrote."""
    return _SPECIAL.sub(r"\\\1", text)


# ---------------------------------------------------------------------------------------------
# scoping


def _department(request: HttpRequest, department_id: int) -> Department:
    """The department, if the user may prepare batches there; 404 otherwise."""
    if not user_can(request.user, "prepare", department_id):
        raise Http404
    return Department.objects.get(pk=department_id)


def _saved_profile(department: Department, profile_id: int | str) -> NoticeProfile:
    profile = NoticeProfile.objects.filter(department=department, pk=profile_id).first()
    if profile is None:
        raise Http404
    return profile


def _uploaded_samples(request: HttpRequest, department: Department) -> dict[str, dict[str, str]]:
    samples = request.session.get(SESSION_KEY, {})
    return {token: info for token, info in samples.items() if info["department"] == department.pk}


def _sample_choices(request: HttpRequest, department: Department) -> list[tuple[str, str]]:
    """(sample id, label) of the samples the clerk may use in this department."""
    choices = [
        (f"up-{token}", _("Uploaded: %(name)s") % {"name": info["filename"]})
        for token, info in _uploaded_samples(request, department).items()
    ]
    batches = selectors.batches_for_user(request.user).filter(department=department)
    choices += [
        (f"batch-{batch.pk}", _("Batch: %(title)s") % {"title": batch.title})
        for batch in batches.exclude(batch_pdf="")[:50]
    ]
    return choices


@contextlib.contextmanager
def _sample_path(request: HttpRequest, department: Department, sample: str) -> Iterator[Path]:
    """A local path of the sample PDF for as long as the block runs; 404 if not the user's."""
    if sample.startswith("batch-") and sample[6:].isdigit():
        batch = selectors.batch_get_for_user(request.user, int(sample[6:]))
        if batch.department_id != department.pk or not batch.batch_pdf:
            raise Http404
        storage, name = batch.batch_pdf.storage, batch.batch_pdf.name
    elif sample.startswith("up-"):
        info = _uploaded_samples(request, department).get(sample[3:])
        if info is None:
            raise Http404
        storage, name = default_storage, info["name"]
    else:
        raise Http404
    with local_path(storage, name) as path:
        yield path


# ---------------------------------------------------------------------------------------------
# pages


@login_required
@require_GET
def profile_list(request: HttpRequest) -> HttpResponse:
    """Shipped and saved profiles of each department where the user prepares batches."""
    departments = [
        d for d in departments_for_user(request.user) if user_can(request.user, "prepare", d.pk)
    ]
    return render(
        request,
        "batches/designer_list.html",
        {
            "shipped": shipped_profiles(),
            "departments": [
                (d, NoticeProfile.objects.filter(department=d).order_by("name"))
                for d in departments
            ],
        },
    )


@login_required
@require_GET
def designer(request: HttpRequest, department_id: int) -> HttpResponse:
    """The designer, started from a profile (``?from=nursery`` or ``?from=db:<id>``, which
    edits that saved profile) or from nothing."""
    department = _department(request, department_id)
    start = request.GET.get("from", "")
    editing: NoticeProfile | None = None
    state = profile_services.empty_state()
    if start.startswith("db:"):
        editing = _saved_profile(department, start[3:]) if start[3:].isdigit() else None
        if editing is None:
            raise Http404
        state = profile_services.state_from_profile(load_profile(editing.toml))
    elif start:
        choice = next((p for p in shipped_profiles() if p.key == start), None)
        if choice is None:
            raise Http404
        state = profile_services.state_from_profile(choice.load())
        state["name"] = _("%(name)s (copy)") % {"name": state["name"]}
    return _render_designer(request, department, state, editing=editing, start=start)


def _render_designer(
    request: HttpRequest,
    department: Department,
    state: dict[str, Any],
    *,
    editing: NoticeProfile | None,
    start: str,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    choices = _sample_choices(request, department)
    sample = request.GET.get("sample") or request.POST.get("sample") or ""
    if sample not in {c[0] for c in choices}:
        sample = choices[0][0] if choices else ""
    try:
        page = max(1, int(request.GET.get("page") or request.POST.get("page") or 1))
    except ValueError:
        page = 1
    base = reverse("batches:designer", args=[department.pk])
    return render(
        request,
        "batches/designer.html",
        {
            "department": department,
            "state": state,
            "editing": editing,
            "start": start,
            "error": error,
            "samples": choices,
            "sample": sample,
            "page": page,
            "dpi": IMAGE_DPI,
            "base_url": base,
            "field_kinds": FIELD_KINDS,
            "split_rules": [
                ("fixed", _("Fixed number of pages per notice")),
                ("pattern", _("A notice starts on a page matching a pattern")),
                ("key", _("A notice starts when a field changes")),
            ],
        },
        status=status,
    )


@login_required
@require_POST
def designer_save(request: HttpRequest, department_id: int) -> HttpResponse:
    """Validate the designer's form and store it as the department's profile."""
    department = _department(request, department_id)
    editing = None
    if request.POST.get("profile_id"):
        editing = _saved_profile(department, request.POST["profile_id"])
    state = profile_services.state_from_post(request.POST)
    try:
        toml = profile_services.toml_from_state(state)
        saved = profile_services.profile_save(
            department=department, toml=toml, actor=request.user, profile=editing
        )
    except ProfileError as exc:
        return _render_designer(
            request,
            department,
            state,
            editing=editing,
            start=request.POST.get("start", ""),
            error=exc.message,
            status=400,
        )
    messages.success(
        request,
        _("The profile %(name)s was saved. It can now be chosen when uploading a batch.")
        % {"name": saved.name},
    )
    return redirect("batches:profiles")


@login_required
@require_POST
def profile_delete(request: HttpRequest, department_id: int, profile_id: int) -> HttpResponse:
    department = _department(request, department_id)
    profile = _saved_profile(department, profile_id)
    profile_services.profile_delete(profile=profile, actor=request.user)
    messages.success(request, _("The profile was deleted."))
    return redirect("batches:profiles")


@login_required
@require_POST
def sample_upload(request: HttpRequest, department_id: int) -> HttpResponse:
    """Keep an uploaded sample PDF for this session (one per department; a new one replaces it)."""
    department = _department(request, department_id)
    upload = request.FILES.get("sample_pdf")
    query = {"from": request.POST.get("start", "")}
    target = reverse("batches:designer", args=[department.pk])
    if upload is None or upload.size > MAX_SAMPLE_BYTES:
        messages.error(request, _("Choose a PDF file (at most 200 MB)."))
        return redirect(f"{target}?{urlencode(query)}")
    token = secrets.token_hex(12)
    name = default_storage.save(f"designer/{department.pk}/{token}.pdf", File(upload))
    try:
        open_batch(default_storage.path(name))
    except NotImplementedError:
        pass  # object storage: the first page view reports an unusable file
    except TsuchiError as exc:
        default_storage.delete(name)
        messages.error(request, _("The sample cannot be used: %(reason)s") % {"reason": exc})
        return redirect(f"{target}?{urlencode(query)}")
    samples = request.session.get(SESSION_KEY, {})
    for old, info in list(samples.items()):
        if info["department"] == department.pk:
            # Samples hold personal data: keep only the latest one per department.
            default_storage.delete(info["name"])
            del samples[old]
    samples[token] = {"department": department.pk, "name": name, "filename": upload.name[:100]}
    request.session[SESSION_KEY] = samples
    query["sample"] = f"up-{token}"
    return redirect(f"{target}?{urlencode(query)}")


# ---------------------------------------------------------------------------------------------
# sample endpoints used by designer.js


@login_required
@require_GET
def sample_page_image(
    request: HttpRequest, department_id: int, sample: str, page: int
) -> HttpResponse:
    """One page of the sample as PNG; staff of the department only, never cached."""
    department = _department(request, department_id)
    with _sample_path(request, department, sample) as path:
        try:
            png = render_page_png(path, page, dpi=IMAGE_DPI)
        except TsuchiError as exc:
            raise Http404 from exc
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def sample_page_boxes(
    request: HttpRequest, department_id: int, sample: str, page: int
) -> JsonResponse:
    """The page's size and text boxes in mm, each with a proposed label and value."""
    department = _department(request, department_id)
    with _sample_path(request, department, sample) as path:
        try:
            boxes = page_text_boxes(path, page)
            with open_pdfium(path) as document:
                page_count = len(document)
                left, bottom, right, top = document[page - 1].get_cropbox()
        except TsuchiError as exc:
            raise Http404 from exc
    mm = 25.4 / 72
    response = JsonResponse(
        {
            "page": page,
            "page_count": page_count,
            "width_mm": round((right - left) * mm, 2),
            "height_mm": round((top - bottom) * mm, 2),
            "boxes": [
                {"text": box.text, "rect_mm": box.rect_mm, **propose(box, boxes)} for box in boxes
            ],
        }
    )
    response["Cache-Control"] = "private, no-store"
    return response


def propose(box: TextBox, boxes: list[TextBox]) -> dict[str, str]:
    """What a click on ``box`` proposes: the label printed before the value, the value, and a
    pattern when the value looks like a code (``保第08-00001号`` → ``保第\\d{2}-\\d{5}号``).

    A box holding ``label value`` (one run of text, as pdfium reads ``通知番号 保第08-00001号``)
    gives its head as the label when the head ends like a label (番号, 氏名, 住所 …) or is
    followed by a colon. Otherwise the nearest short box just left of it on the same line, or
    right above it, is the label. With no label the value is read by rectangle.
    """
    label, value = "", box.text
    split = _LABEL_SPLIT.match(box.text)
    if split and (split.group("label").endswith(_LABEL_ENDINGS) or ":" in box.text[:17]
                  or "：" in box.text[:17]):  # fmt: skip
        label, value = split.group("label"), split.group("value")
    else:
        neighbour = _label_beside(box, boxes)
        if neighbour is not None:
            label = neighbour.text.rstrip(":：")
    return {
        "label": _escape(label) if label else "",
        "label_text": label,
        "value": value,
        "pattern": _code_pattern(value),
    }


def _label_beside(box: TextBox, boxes: list[TextBox]) -> TextBox | None:
    x, y, width, height = box.rect_mm
    best: tuple[float, TextBox] | None = None
    for other in boxes:
        if other is box or len(other.text) > 16 or _DIGITS.search(other.text):
            continue
        ox, oy, ow, oh = other.rect_mm
        same_line = min(y + height, oy + oh) - max(y, oy) > 0.5 * min(height, oh)
        left_gap = x - (ox + ow)
        above_gap = y - (oy + oh)
        overlaps = min(x + width, ox + ow) - max(x, ox) > 0
        if same_line and -1 <= left_gap <= 40:
            distance = left_gap
        elif overlaps and 0 <= above_gap <= 8:
            distance = above_gap + 10  # prefer a label on the same line
        else:
            continue
        if best is None or distance < best[0]:
            best = (distance, other)
    return best[1] if best else None


def _code_pattern(value: str) -> str:
    """A pattern for code-like values (mostly digits, no spaces); "" for names and addresses."""
    if not value or " " in value or len(value) > 24:
        return ""
    digits = sum(len(run) for run in _DIGITS.findall(value))
    if digits < 3 or (digits + value.count("-")) / len(value) < 0.5:
        return ""
    start = _DIGITS.search(value)
    # A leading mark such as 〒 is not part of the value a CSV would hold.
    head = value[: start.start()] if start else ""
    if head and not head.isalpha():
        value = value[len(head) :]
    parts: list[str] = []
    position = 0
    for run in _DIGITS.finditer(value):
        parts.append(_escape(value[position : run.start()]))
        parts.append(rf"\d{{{len(run.group())}}}")
        position = run.end()
    parts.append(_escape(value[position:]))
    return "".join(parts)


def _notice_holding(
    path: Path, profile: Profile, page: int, first: int
) -> tuple[Extraction, tuple[int, ...]] | None:
    """What is read from the notice holding ``page``, among those starting from ``first`` on."""
    for document in split_batch(path, profile, page_range=(first, page)):
        if page in document.page_numbers:
            return extract_fields(document, profile), document.page_numbers
    return None


def _page_count(path: Path) -> int:
    with open_pdfium(path) as document:
        return len(document)


def _profile_from_request(request: HttpRequest) -> tuple[Profile | None, str, str]:
    """(profile, TOML, error) from the designer's submitted form."""
    state = profile_services.state_from_post(request.POST)
    try:
        toml = profile_services.toml_from_state(state)
    except ProfileError as exc:
        return None, "", exc.message
    return load_profile(toml), toml, ""


def _profile_or_draft(request: HttpRequest) -> tuple[Profile | None, str, str]:
    """(profile, TOML, why it cannot be saved yet): the form's profile, else its draft
    (profile None when not even a draft can be made; the reason is then the draft's)."""
    profile, toml, error = _profile_from_request(request)
    if profile is not None:
        return profile, toml, ""
    try:
        return _draft_profile(profile_services.state_from_post(request.POST)), "", error
    except ProfileError as exc:
        return None, "", exc.message


def _draft_profile(state: dict[str, Any]) -> Profile:
    """The profile a half-finished form already describes, for previewing only: placeholders
    stand in for what extraction does not need (names, CSV columns, the match key), and fields
    without a label or rectangle yet are left out. Raises :class:`ProfileError` otherwise."""
    draft = {**state, "extras": [], "consent_column": "", "email_column": "", "phone_column": ""}
    draft["fields"] = [
        {**row, "column": row["column"] or row["name"]}
        for row in state["fields"]
        if row["label"] or row["rect"]
    ]
    if not draft["fields"]:
        raise ProfileError(_("Add a field and give it a label or a rectangle."))
    names = [row["name"] for row in draft["fields"]]
    draft["name"] = state["name"] or "draft"
    draft["notice_type"] = state["notice_type"] or "draft"
    if draft["match_key"] not in names:
        draft["match_key"] = names[0]
    if draft["filename_field"] not in names:
        draft["filename_field"] = ""
    return load_profile(profile_services.toml_from_state(draft))


@login_required
@require_POST
def designer_preview(request: HttpRequest, department_id: int) -> JsonResponse:
    """Values the current form reads from the notice holding ``page`` of the sample, the
    problems found there, and (for samples up to :data:`COUNT_PAGE_LIMIT` pages) how many
    notices the split rule makes."""
    department = _department(request, department_id)
    profile, toml, warning = _profile_or_draft(request)
    if profile is None:
        return JsonResponse({"error": warning, "warning": ""})
    try:
        page = max(1, int(request.POST.get("page", "1")))
    except ValueError:
        page = 1
    # ``warning``: the form is not complete enough to save; the preview still reads what it can.
    result: dict[str, Any] = {
        "error": "",
        "warning": warning,
        "toml": toml,
        "values": {},
        "problems": [],
    }
    sample = request.POST.get("sample", "")
    if not sample:
        return JsonResponse(result)
    with _sample_path(request, department, sample) as path:
        try:
            page_count = _page_count(path)
            page = min(page, page_count)
            # Deep pages: split from a little before the page, and from page 1 only when the
            # notice holding it started earlier still (a notice of more than the window).
            for first in dict.fromkeys((max(1, page - PREVIEW_WINDOW), 1)):
                found = _notice_holding(path, profile, page, first)
                if found is not None:
                    extraction, pages = found
                    result["values"] = extraction.fields
                    result["problems"] = [
                        {"field": p.location.column or "", "message": p.message}
                        for p in extraction.problems
                    ]
                    result["notice"] = {"pages": list(pages)}
                    break
            if page_count <= COUNT_PAGE_LIMIT:
                result["notice_count"] = sum(1 for _doc in split_batch(path, profile))
        except TsuchiError as exc:
            return JsonResponse({"error": str(exc)})
    return JsonResponse(result)


@login_required
@require_POST
def designer_test(request: HttpRequest, department_id: int) -> JsonResponse:
    """Split and extract the sample's first :data:`TEST_PAGE_LIMIT` pages with the current
    form: per field, how many notices yielded a value and where it failed."""
    department = _department(request, department_id)
    profile, _toml, warning = _profile_or_draft(request)
    if profile is None:
        return JsonResponse({"error": warning})
    with _sample_path(request, department, request.POST.get("sample", "")) as path:
        try:
            return JsonResponse({**test_profile(path, profile), "warning": warning})
        except TsuchiError as exc:
            return JsonResponse({"error": str(exc)})


def test_profile(path: Path, profile: Profile) -> dict[str, Any]:
    """Run split and extraction over the batch at ``path`` (its first :data:`TEST_PAGE_LIMIT`
    pages, following the last notice to its end) and summarize per field."""
    page_count = _page_count(path)
    last = min(page_count, TEST_PAGE_LIMIT)
    found = dict.fromkeys(profile.field_names, 0)
    failures: dict[str, list[dict[str, Any]]] = {name: [] for name in profile.field_names}
    page_problems: list[dict[str, Any]] = []
    notices = pages_read = 0
    for document in split_batch(path, profile, page_range=(1, last)):
        notices += 1
        pages_read = document.page_numbers[-1]
        extraction = extract_fields(document, profile)
        by_field = {p.location.column: p.message for p in extraction.problems}
        for problem in extraction.problems:
            if not problem.location.column and len(page_problems) < FAILURES_SHOWN:
                page_problems.append({"page": problem.location.page, "message": problem.message})
        for name in profile.field_names:
            if name in extraction.fields:
                found[name] += 1
            elif len(failures[name]) < FAILURES_SHOWN:
                failures[name].append(
                    {
                        "notice": notices,
                        "pages": list(document.page_numbers),
                        "message": by_field.get(name, ""),
                    }
                )
    return {
        "error": "",
        "page_count": page_count,
        "pages_read": pages_read,
        "notice_count": notices,
        "complete": pages_read >= page_count,
        "fields": [
            {
                "name": name,
                "found": found[name],
                "missing": notices - found[name],
                "required": profile.field(name).required,
                "failures": failures[name],
            }
            for name in profile.field_names
        ],
        "page_problems": page_problems,
    }


@login_required
@require_POST
def csv_columns(request: HttpRequest, department_id: int) -> JsonResponse:
    """Headers of an uploaded sample CSV (UTF-8, with or without BOM, or CP932), each with the
    first row's value, for the column choices. The CSV is not kept."""
    _department(request, department_id)
    upload = request.FILES.get("sample_csv")
    if upload is None or upload.size > MAX_CSV_BYTES:
        return JsonResponse({"error": _("Choose a CSV file (at most 20 MB).")})
    data = upload.read()
    text = ""
    # Same decoding order as tsuchi.core.records (never the shift_jis codec: it fails on 髙).
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        return JsonResponse({"error": _("The CSV is neither UTF-8 nor Shift_JIS (CP932).")})
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [cell.strip() for cell in next(rows, [])]
        first = next(rows, [])
    except csv.Error as exc:
        return JsonResponse({"error": str(exc)})
    return JsonResponse(
        {
            "error": "",
            "columns": [
                {"header": h, "example": (first[i].strip() if i < len(first) else "")}
                for i, h in enumerate(header)
                if h
            ],
        }
    )
