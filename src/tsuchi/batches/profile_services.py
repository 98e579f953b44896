"""Writes of the profile designer (プロファイル設定), and the translation between the designer's
form and a profile's TOML.

The designer's form is a flat list of inputs (one row per field, one per extra CSV column, the
split rule, the match key, the delivery columns). :func:`state_from_profile` and
:func:`state_from_post` both produce the same plain ``dict`` the template renders, and
:func:`toml_from_state` turns it into TOML that :func:`~tsuchi.core.profiles.load_profile` has
accepted. Profiles are configuration, not notice evidence, so saving writes no ``Event``; the
row records who saved it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction

from tsuchi.accounts.models import Department
from tsuchi.accounts.selectors import user_can
from tsuchi.batches.models import NoticeProfile
from tsuchi.core.errors import Location, ProfileError
from tsuchi.core.profiles import (
    CsvSpec,
    DeliverySpec,
    FieldSpec,
    MatchSpec,
    Profile,
    SplitRule,
    dump_profile,
    load_profile,
)

_FIELD_KEY = re.compile(r"f-(\d+)-name\Z")
_EXTRA_KEY = re.compile(r"x-(\d+)-name\Z")
_VALUE_SEPARATORS = re.compile(r"[,、，\n]+")
# The delivery columns are chosen by CSV header; these are the csv.columns keys they get
# when the profile does not already map that header under another name.
_DELIVERY = (("consent", "consent"), ("email", "email"), ("phone", "mobile"))


class ProfileNameTaken(ProfileError):
    """Another saved profile of the department already has this name."""


# ---------------------------------------------------------------------------------------------
# designer state


def empty_state() -> dict[str, Any]:
    """The designer's state for a profile started from nothing."""
    return {
        "name": "",
        "notice_type": "",
        "filename_field": "",
        "split_rule": "fixed",
        "split_pages": "1",
        "split_start_pattern": "",
        "split_field": "",
        "fields": [],
        "extras": [],
        "match_key": "",
        "consent_column": "",
        "consent_values": "",
        "consent_key": "consent",
        "email_column": "",
        "email_key": "email",
        "phone_column": "",
        "phone_key": "mobile",
    }


def state_from_profile(profile: Profile) -> dict[str, Any]:
    """The designer's state showing ``profile`` (a shipped or saved one)."""
    columns = dict(profile.csv.columns)
    delivery = profile.delivery
    state = empty_state()
    state.update(
        name=profile.name,
        notice_type=profile.notice_type,
        filename_field=profile.filename_field or "",
        split_rule=profile.split.rule,
        split_pages=str(profile.split.pages or 1),
        split_start_pattern=profile.split.start_pattern or "",
        split_field=profile.split.field or "",
        match_key=profile.match.key,
        consent_values=", ".join(delivery.consent_values),
    )
    used = set(profile.field_names)
    for prefix, default_key in _DELIVERY:
        key = getattr(delivery, f"{prefix}_column")
        state[f"{prefix}_key"] = key or default_key
        state[f"{prefix}_column"] = columns.get(key, "") if key else ""
        if key:
            used.add(key)
    state["fields"] = [
        {
            "name": spec.name,
            "label": spec.label or "",
            "rect": _rect_text(spec.rect_mm),
            "page": str(spec.page),
            "pattern": spec.pattern or "",
            "strip_suffix": spec.strip_suffix or "",
            "optional": not spec.required,
            "column": columns.get(spec.name, ""),
            "verify": spec.name in profile.match.verify,
        }
        for spec in profile.fields
    ]
    state["extras"] = [
        {"name": key, "column": header} for key, header in columns.items() if key not in used
    ]
    return state


def state_from_post(data: Mapping[str, Any]) -> dict[str, Any]:
    """The designer's state from its submitted form (a ``QueryDict`` or a plain mapping).

    Rows keep the order of their indexes; rows without a name are dropped (blank rows the
    clerk added and left empty).
    """
    state = empty_state()
    for key in state:
        if isinstance(state[key], str) and key in data:
            state[key] = str(data.get(key, "")).strip()

    def indexes(pattern: re.Pattern[str]) -> list[int]:
        found = (pattern.match(key) for key in data)
        return sorted(int(m.group(1)) for m in found if m)

    for i in indexes(_FIELD_KEY):
        name = str(data.get(f"f-{i}-name", "")).strip()
        if not name:
            continue
        state["fields"].append(
            {
                "name": name,
                **{
                    part: str(data.get(f"f-{i}-{part}", "")).strip()
                    for part in ("label", "rect", "page", "pattern", "strip_suffix", "column")
                },
                "optional": bool(data.get(f"f-{i}-optional")),
                "verify": bool(data.get(f"f-{i}-verify")),
            }
        )
    for i in indexes(_EXTRA_KEY):
        name = str(data.get(f"x-{i}-name", "")).strip()
        column = str(data.get(f"x-{i}-column", "")).strip()
        if name or column:
            state["extras"].append({"name": name, "column": column})
    return state


def toml_from_state(state: Mapping[str, Any]) -> str:
    """Build the profile the designer's state describes and return it as validated TOML.

    Raises :class:`ProfileError` naming the setting, exactly as ``load_profile`` would for a
    hand-written file.
    """
    fields: list[FieldSpec] = []
    columns: dict[str, str] = {}
    seen: set[str] = set()
    for row in state["fields"]:
        name = row["name"]
        if name in seen:
            raise _error(f"fields.{name}", "the field is defined twice")
        seen.add(name)
        fields.append(
            FieldSpec(
                name=name,
                label=row["label"] or None,
                rect_mm=_parse_rect(row["rect"], f"fields.{name}.rect_mm"),
                page=_parse_int(row["page"] or "1", f"fields.{name}.page"),
                pattern=row["pattern"] or None,
                strip_suffix=row["strip_suffix"] or None,
                required=not row["optional"],
            )
        )
        if row["column"]:
            columns[name] = row["column"]
    for row in state["extras"]:
        if not row["name"] or not row["column"]:
            raise _error(f"csv.columns.{row['name'] or '?'}", "give both a name and a CSV header")
        if row["name"] in columns:
            raise _error(f"csv.columns.{row['name']}", "the column is mapped twice")
        columns[row["name"]] = row["column"]

    delivery: dict[str, str | None] = {}
    for prefix, default_key in _DELIVERY:
        header = state.get(f"{prefix}_column", "")
        if not header:
            delivery[prefix] = None
            continue
        key = next((k for k, h in columns.items() if h == header), None)
        if key is None:
            key = state.get(f"{prefix}_key") or default_key
            if key in columns:
                raise _error(
                    f"delivery.{prefix}_column", f"{key!r} already names another CSV column"
                )
            columns[key] = header
        delivery[prefix] = key
    consent_values = tuple(
        v.strip() for v in _VALUE_SEPARATORS.split(state.get("consent_values", "")) if v.strip()
    )

    rule = state["split_rule"]
    if rule not in ("fixed", "pattern", "key"):
        raise _error("split.rule", "must be one of fixed, pattern, key")
    split = SplitRule(
        rule=rule,
        pages=_parse_int(state["split_pages"] or "1", "split.pages") if rule == "fixed" else None,
        start_pattern=(state["split_start_pattern"] or None) if rule == "pattern" else None,
        field=(state["split_field"] or None) if rule == "key" else None,
    )
    if rule == "pattern" and split.start_pattern is None:
        raise _error("split.start_pattern", "missing")
    if rule == "key" and split.field is None:
        raise _error("split.field", "missing")
    for setting, value in (("profile.name", state["name"]), ("match.key", state["match_key"])):
        if not value:
            raise _error(setting, "missing")
    if not state["notice_type"]:
        raise _error("profile.notice_type", "missing")
    profile = Profile(
        name=state["name"],
        notice_type=state["notice_type"],
        split=split,
        fields=tuple(fields),
        csv=CsvSpec(columns=columns),
        match=MatchSpec(
            key=state["match_key"],
            verify=tuple(row["name"] for row in state["fields"] if row["verify"]),
        ),
        delivery=DeliverySpec(
            consent_column=delivery["consent"],
            consent_values=consent_values,
            email_column=delivery["email"],
            phone_column=delivery["phone"],
        ),
        filename_field=state["filename_field"] or None,
    )
    text = dump_profile(profile)
    load_profile(text)  # names the setting of anything dump could write but not read back
    return text


def _rect_text(rect: tuple[float, float, float, float] | None) -> str:
    if rect is None:
        return ""
    return ", ".join(f"{v:g}" for v in rect)


def _parse_rect(text: str, setting: str) -> tuple[float, float, float, float] | None:
    if not text:
        return None
    parts = [p for p in re.split(r"[\s,、，]+", text) if p]
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != 4:
        raise _error(setting, "must be four numbers: x, y, width, height in mm")
    return (values[0], values[1], values[2], values[3])


def _parse_int(text: str, setting: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise _error(setting, "must be a whole number ≥ 1") from None


def _error(setting: str, message: str) -> ProfileError:
    return ProfileError(f"{setting}: {message}", location=Location(column=setting))


# ---------------------------------------------------------------------------------------------
# writes


def profile_save(
    *,
    department: Department,
    toml: str,
    actor: AbstractBaseUser,
    profile: NoticeProfile | None = None,
) -> NoticeProfile:
    """Store a department's profile (new, or replacing ``profile``) after validating it.

    The name stored is the TOML's ``[profile] name``, unique within the department. Raises
    :class:`PermissionDenied` unless ``actor`` may prepare batches there, :class:`ProfileError`
    for an invalid profile and :class:`ProfileNameTaken` for a name already in use.
    """
    if not user_can(actor, "prepare", department.pk):
        raise PermissionDenied
    if profile is not None and profile.department_id != department.pk:
        raise PermissionDenied
    parsed = load_profile(toml)
    text = dump_profile(parsed)
    load_profile(text)
    with transaction.atomic():
        taken = NoticeProfile.objects.filter(department=department, name=parsed.name)
        if profile is not None:
            taken = taken.exclude(pk=profile.pk)
        if taken.exists():
            raise ProfileNameTaken(
                f"profile.name: the department already has a profile named {parsed.name!r}",
                location=Location(column="profile.name"),
            )
        if profile is None:
            return NoticeProfile.objects.create(
                department=department, name=parsed.name, toml=text, created_by=actor
            )
        profile.name = parsed.name
        profile.toml = text
        profile.created_by = actor  # who saved it last: the row keeps one author
        profile.save(update_fields=["name", "toml", "created_by", "updated_at"])
        return profile


def profile_delete(*, profile: NoticeProfile, actor: AbstractBaseUser) -> None:
    """Delete a saved profile. Batches keep their profile name; they were prepared already."""
    if not user_can(actor, "prepare", profile.department_id):
        raise PermissionDenied
    profile.delete()
