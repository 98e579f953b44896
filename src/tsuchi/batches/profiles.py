"""Where notice-type profiles come from: the shipped TOML files (``TSUCHI_PROFILES_DIR``,
default ``profiles/``) and the profiles a department saved with the profile designer."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from tsuchi.core.profiles import Profile, load_profile


@dataclass(frozen=True)
class ProfileChoice:
    """A profile a clerk can pick: its key (file stem or ``db:<id>``), name and TOML text."""

    key: str
    name: str
    toml: str

    def load(self) -> Profile:
        return load_profile(self.toml)


def shipped_profiles() -> list[ProfileChoice]:
    """The profiles shipped as TOML files, in name order."""
    directory = Path(settings.TSUCHI_PROFILES_DIR)
    choices = []
    for path in sorted(directory.glob("*.toml")):
        text = path.read_text(encoding="utf-8")
        choices.append(ProfileChoice(path.stem, load_profile(text).name, text))
    return choices


def profiles_for_department(department_id: int) -> list[ProfileChoice]:
    """Shipped profiles plus those saved by the department."""
    from tsuchi.batches.models import NoticeProfile

    saved = [
        ProfileChoice(f"db:{p.pk}", p.name, p.toml)
        for p in NoticeProfile.objects.filter(department_id=department_id).order_by("name")
    ]
    return shipped_profiles() + saved


def profile_for_batch(department_id: int, key: str) -> ProfileChoice | None:
    """The profile with this key, if the department may use it."""
    return next((p for p in profiles_for_department(department_id) if p.key == key), None)
