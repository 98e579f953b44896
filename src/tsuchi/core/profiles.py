"""Notice profiles: how to split, read and cross-check one kind of notice.

A profile is a small TOML file (schema in ``docs/profiles.md``) that a clerk or the web profile
designer writes once per notice type: how the core system's batch PDF is cut into notices, where
each field sits on a notice (after a label, inside a rectangle, or both), which CSV column of the
e-application export holds the same field, and which fields must agree before a notice is sent.

:func:`load_profile` validates everything up front and names the offending setting, so a bad
profile is refused before any PDF is touched. :func:`dump_profile` writes the same TOML back (by
hand: the standard library reads TOML but does not write it).
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from tsuchi.core.errors import Location, ProfileError

SplitRuleKind = Literal["fixed", "pattern", "key"]
_SPLIT_RULES: tuple[SplitRuleKind, ...] = ("fixed", "pattern", "key")
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass(frozen=True, slots=True)
class SplitRule:
    """How the batch PDF is cut into notices."""

    rule: SplitRuleKind
    """``fixed``: every notice has ``pages`` pages; ``pattern``: a notice starts on each page whose
    text matches ``start_pattern``; ``key``: a notice starts when field ``field`` changes value."""
    pages: int | None = None
    """Pages per notice for the ``fixed`` rule."""
    start_pattern: str | None = None
    """Regular expression matching the first page of each notice (``pattern`` rule)."""
    field: str | None = None
    """Name of the field whose change starts a new notice (``key`` rule)."""


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """Where one field is read on a notice. With both a label and a rectangle, both must agree."""

    name: str
    """Field name used in code, CSV mapping and reconciliation (``notice_number``)."""
    label: str | None = None
    """Regular expression of the printed label; the value is the rest of that line."""
    rect_mm: tuple[float, float, float, float] | None = None
    """Rectangle ``(x, y, width, height)`` in mm from the page's top-left corner."""
    page: int = 1
    """Which page of the notice holds the field (1 = the notice's first page)."""
    pattern: str | None = None
    """Regular expression the value must contain; the match becomes the value."""
    strip_suffix: str | None = None
    """Text removed from the end of the value (the honorific ``様`` after a name)."""
    required: bool = True
    """A missing required field is an extraction problem; a missing optional one is not."""


@dataclass(frozen=True, slots=True)
class CsvSpec:
    """How the e-application export names its columns."""

    columns: Mapping[str, str]
    """Field name → CSV header text, in the order the profile lists them."""


@dataclass(frozen=True, slots=True)
class MatchSpec:
    """How a notice is paired with its application record and what must agree."""

    key: str
    """Field that pairs a notice with exactly one CSV row (``application_number``)."""
    verify: tuple[str, ...] = ()
    """Fields compared (after normalization) once paired; any difference stops the notice."""


@dataclass(frozen=True, slots=True)
class DeliverySpec:
    """Which CSV fields decide and address electronic delivery (names are ``csv.columns`` keys)."""

    consent_column: str | None = None
    """Field holding the resident's consent to electronic notices (デジタル手続法 §7)."""
    consent_values: tuple[str, ...] = ()
    """Values of the consent field that mean "agreed"; anything else goes to paper."""
    email_column: str | None = None
    """Field holding the resident's email address."""
    phone_column: str | None = None
    """Field holding the resident's mobile phone number (for SMS)."""


@dataclass(frozen=True, slots=True)
class Profile:
    """One notice type's complete profile."""

    name: str
    """Name shown to clerks (``保育所入所通知``)."""
    notice_type: str
    """Short machine name of the notice type (``nursery``)."""
    split: SplitRule
    """How the batch is cut into notices."""
    fields: tuple[FieldSpec, ...]
    """Fields read from each notice, in profile order."""
    csv: CsvSpec
    """CSV column mapping."""
    match: MatchSpec
    """Pairing key and the fields that must agree."""
    delivery: DeliverySpec = field(default_factory=DeliverySpec)
    """Consent and contact columns."""
    filename_field: str | None = None
    """Field whose value names each split-out file (default: ``notice_number`` if defined)."""

    def field(self, name: str) -> FieldSpec:
        """Return the field called ``name``; raise :class:`KeyError` if the profile has none."""
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)

    @property
    def field_names(self) -> tuple[str, ...]:
        """Names of all fields, in profile order."""
        return tuple(spec.name for spec in self.fields)


# ---------------------------------------------------------------------------------------------
# loading


def load_profile(source: str | Path) -> Profile:
    """Read and validate a profile from a TOML file path or from TOML text.

    A :class:`str` containing a newline or starting with ``[`` is TOML text; any other string or a
    :class:`~pathlib.Path` is a file path. Raises :class:`ProfileError` naming the setting
    (``fields.postal_code.rect_mm``) for anything missing, unknown or invalid.
    """
    file_name: str | None = None
    if isinstance(source, Path) or ("\n" not in source and not source.lstrip().startswith("[")):
        path = Path(source)
        file_name = path.name
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ProfileError(
                f"cannot read profile: {exc.__class__.__name__}", location=Location(file=file_name)
            ) from exc
    else:
        text = source
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"not valid TOML: {exc}", location=Location(file=file_name)) from exc
    return _Loader(file_name).profile(data)


MAX_PATTERN_LENGTH = 200
"""Longest regular expression a profile may hold."""
_NESTED_REPEAT = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*[+*{]")


class _Loader:
    def __init__(self, file_name: str | None) -> None:
        self.file_name = file_name

    def error(self, setting: str, message: str) -> ProfileError:
        return ProfileError(
            f"{setting}: {message}", location=Location(file=self.file_name, column=setting)
        )

    def table(self, data: Mapping[str, Any], key: str, *, required: bool = True) -> dict[str, Any]:
        value = data.get(key.rsplit(".", 1)[-1])
        if value is None:
            if required:
                raise self.error(key, "missing table")
            return {}
        if not isinstance(value, dict):
            raise self.error(key, "must be a table")
        return value

    def unknown(self, data: Mapping[str, Any], prefix: str, allowed: set[str]) -> None:
        for key in data:
            if key not in allowed:
                setting = f"{prefix}.{key}" if prefix else key
                raise self.error(setting, "unknown setting")

    def string(
        self, data: Mapping[str, Any], prefix: str, key: str, *, required: bool
    ) -> str | None:
        value = data.get(key)
        setting = f"{prefix}.{key}"
        if value is None:
            if required:
                raise self.error(setting, "missing")
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.error(setting, "must be a non-empty string")
        return value

    def regex(
        self, data: Mapping[str, Any], prefix: str, key: str, *, required: bool
    ) -> str | None:
        value = self.string(data, prefix, key, required=required)
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise self.error(f"{prefix}.{key}", f"invalid regular expression: {exc}") from exc
            # Profiles are saved from the browser and run over every page: refuse what could
            # take exponential time (a repeated group that itself repeats, like "(a+)+").
            if len(value) > MAX_PATTERN_LENGTH or _NESTED_REPEAT.search(value):
                raise self.error(
                    f"{prefix}.{key}",
                    "regular expression too long or with a repeated group that repeats "
                    "(it could take very long on some pages); simplify it",
                )
        return value

    def positive_int(self, data: Mapping[str, Any], setting: str, key: str, default: int) -> int:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise self.error(f"{setting}.{key}", "must be a whole number ≥ 1")
        return value

    def string_list(self, data: Mapping[str, Any], setting: str, key: str) -> tuple[str, ...]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.error(f"{setting}.{key}", "must be a list of non-empty strings")
        return tuple(value)

    def profile(self, data: dict[str, Any]) -> Profile:
        self.unknown(data, "", {"profile", "split", "fields", "csv", "match", "delivery"})
        head = self.table(data, "profile")
        self.unknown(head, "profile", {"name", "notice_type", "filename_field"})
        name = self.string(head, "profile", "name", required=True)
        notice_type = self.string(head, "profile", "notice_type", required=True)
        assert name is not None  # noqa: S101 - required=True
        assert notice_type is not None  # noqa: S101 - required=True
        if not _NAME_RE.match(notice_type):
            raise self.error("profile.notice_type", "use letters, digits and _ only")

        fields_table = self.table(data, "fields")
        if not fields_table:
            raise self.error("fields", "define at least one field")
        fields = tuple(self.field_spec(key, value) for key, value in fields_table.items())
        names = {spec.name for spec in fields}

        split = self.split(self.table(data, "split"), names)

        csv_table = self.table(data, "csv")
        self.unknown(csv_table, "csv", {"columns"})
        columns = csv_table.get("columns")
        if not isinstance(columns, dict) or not columns:
            raise self.error("csv.columns", "must be a table of field name = CSV header")
        for key, header in columns.items():
            if not _NAME_RE.match(key):
                raise self.error(f"csv.columns.{key}", "use letters, digits and _ only")
            if not isinstance(header, str) or not header.strip():
                raise self.error(f"csv.columns.{key}", "must be a non-empty CSV header")

        match_table = self.table(data, "match")
        self.unknown(match_table, "match", {"key", "verify"})
        key = self.string(match_table, "match", "key", required=True)
        assert key is not None  # noqa: S101 - required=True
        verify = self.string_list(match_table, "match", "verify")
        for setting, value in [("match.key", key), *(("match.verify", v) for v in verify)]:
            if value not in names:
                raise self.error(setting, f"{value!r} is not a field in [fields]")
            if value not in columns:
                raise self.error(setting, f"{value!r} has no column in [csv.columns]")

        delivery = self.delivery(self.table(data, "delivery", required=False), columns)

        filename_field = self.string(head, "profile", "filename_field", required=False)
        if filename_field is not None and filename_field not in names:
            raise self.error("profile.filename_field", f"{filename_field!r} is not a field")
        return Profile(
            name=name,
            notice_type=notice_type,
            split=split,
            fields=fields,
            csv=CsvSpec(columns=dict(columns)),
            match=MatchSpec(key=key, verify=verify),
            delivery=delivery,
            filename_field=filename_field,
        )

    def split(self, table: dict[str, Any], names: set[str]) -> SplitRule:
        self.unknown(table, "split", {"rule", "pages", "start_pattern", "field"})
        rule = table.get("rule")
        if rule not in _SPLIT_RULES:
            raise self.error("split.rule", f"must be one of {', '.join(_SPLIT_RULES)}")
        if rule == "fixed":
            if "pages" not in table:
                raise self.error("split.pages", "missing (pages per notice for rule = fixed)")
            return SplitRule(rule="fixed", pages=self.positive_int(table, "split", "pages", 1))
        if rule == "pattern":
            pattern = self.regex(table, "split", "start_pattern", required=True)
            return SplitRule(rule="pattern", start_pattern=pattern)
        field_name = self.string(table, "split", "field", required=True)
        if field_name not in names:
            raise self.error("split.field", f"{field_name!r} is not a field in [fields]")
        return SplitRule(rule="key", field=field_name)

    def field_spec(self, name: str, table: Any) -> FieldSpec:
        setting = f"fields.{name}"
        if not _NAME_RE.match(name):
            raise self.error(setting, "field names use letters, digits and _ only")
        if not isinstance(table, dict):
            raise self.error(setting, "must be a table")
        allowed = {"label", "rect_mm", "page", "pattern", "strip_suffix", "required"}
        self.unknown(table, setting, allowed)
        label = self.regex(table, setting, "label", required=False)
        rect = table.get("rect_mm")
        rect_mm: tuple[float, float, float, float] | None = None
        if rect is not None:
            if (
                not isinstance(rect, list)
                or len(rect) != 4
                or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in rect)
                or not all(math.isfinite(v) for v in rect)
                or rect[0] < 0
                or rect[1] < 0
                or rect[2] <= 0
                or rect[3] <= 0
            ):
                raise self.error(
                    f"{setting}.rect_mm", "must be [x, y, width, height] in mm, width/height > 0"
                )
            rect_mm = (float(rect[0]), float(rect[1]), float(rect[2]), float(rect[3]))
        if label is None and rect_mm is None:
            raise self.error(setting, "needs a label, a rect_mm, or both")
        required = table.get("required", True)
        if not isinstance(required, bool):
            raise self.error(f"{setting}.required", "must be true or false")
        return FieldSpec(
            name=name,
            label=label,
            rect_mm=rect_mm,
            page=self.positive_int(table, setting, "page", 1),
            pattern=self.regex(table, setting, "pattern", required=False),
            strip_suffix=self.string(table, setting, "strip_suffix", required=False),
            required=required,
        )

    def delivery(self, table: dict[str, Any], columns: Mapping[str, str]) -> DeliverySpec:
        keys = {"consent_column", "consent_values", "email_column", "phone_column"}
        self.unknown(table, "delivery", keys)
        values: dict[str, str | None] = {}
        for key in ("consent_column", "email_column", "phone_column"):
            value = self.string(table, "delivery", key, required=False)
            if value is not None and value not in columns:
                raise self.error(f"delivery.{key}", f"{value!r} has no column in [csv.columns]")
            values[key] = value
        consent_values = self.string_list(table, "delivery", "consent_values")
        if values["consent_column"] and not consent_values:
            raise self.error("delivery.consent_values", "list the values that mean consent")
        return DeliverySpec(
            consent_column=values["consent_column"],
            consent_values=consent_values,
            email_column=values["email_column"],
            phone_column=values["phone_column"],
        )


# ---------------------------------------------------------------------------------------------
# dumping


def dump_profile(profile: Profile) -> str:
    """Return ``profile`` as TOML text that :func:`load_profile` reads back to an equal profile."""
    lines = ["[profile]", f"name = {_toml(profile.name)}"]
    lines.append(f"notice_type = {_toml(profile.notice_type)}")
    if profile.filename_field:
        lines.append(f"filename_field = {_toml(profile.filename_field)}")
    split = profile.split
    lines += ["", "[split]", f"rule = {_toml(split.rule)}"]
    if split.pages is not None:
        lines.append(f"pages = {split.pages}")
    if split.start_pattern is not None:
        lines.append(f"start_pattern = {_toml(split.start_pattern)}")
    if split.field is not None:
        lines.append(f"field = {_toml(split.field)}")
    for spec in profile.fields:
        lines += ["", f"[fields.{spec.name}]"]
        if spec.label is not None:
            lines.append(f"label = {_toml(spec.label)}")
        if spec.rect_mm is not None:
            lines.append(f"rect_mm = {_toml(list(spec.rect_mm))}")
        if spec.page != 1:
            lines.append(f"page = {spec.page}")
        if spec.pattern is not None:
            lines.append(f"pattern = {_toml(spec.pattern)}")
        if spec.strip_suffix is not None:
            lines.append(f"strip_suffix = {_toml(spec.strip_suffix)}")
        if not spec.required:
            lines.append("required = false")
    lines += ["", "[csv.columns]"]
    lines += [f"{key} = {_toml(header)}" for key, header in profile.csv.columns.items()]
    lines += ["", "[match]", f"key = {_toml(profile.match.key)}"]
    lines.append(f"verify = {_toml(list(profile.match.verify))}")
    delivery = profile.delivery
    if delivery != DeliverySpec():
        lines += ["", "[delivery]"]
        for key in ("consent_column", "email_column", "phone_column"):
            value = getattr(delivery, key)
            if value is not None:
                lines.append(f"{key} = {_toml(value)}")
        if delivery.consent_values:
            lines.append(f"consent_values = {_toml(list(delivery.consent_values))}")
    return "\n".join(lines) + "\n"


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Whole millimetres print as integers so hand-written and dumped profiles look alike.
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, str):
        out = ['"']
        for char in value:
            if char == "\\":
                out.append("\\\\")
            elif char == '"':
                out.append('\\"')
            elif char in "\b\t\n\f\r":
                out.append({"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}[char])
            elif ord(char) < 0x20 or ord(char) == 0x7F:
                out.append(f"\\u{ord(char):04X}")
            else:
                out.append(char)
        out.append('"')
        return "".join(out)
    raise TypeError(f"cannot write {type(value).__name__} as TOML")
