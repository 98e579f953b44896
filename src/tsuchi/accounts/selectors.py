"""Reads about staff rights. Every staff query elsewhere is scoped through these."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from tsuchi.accounts.models import Department, Membership, Role

# What each role may do; admin may do everything within its department.
PERMISSIONS: dict[str, frozenset[str]] = {
    Role.PREPARER: frozenset({"view", "prepare"}),
    Role.APPROVER: frozenset({"view", "approve"}),
    Role.VIEWER: frozenset({"view"}),
    Role.ADMIN: frozenset({"view", "prepare", "approve", "manage"}),
}


def departments_for_user(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Department]:
    """Return the departments the user is a member of (none for anonymous users)."""
    if not user.is_authenticated:
        return Department.objects.none()
    return Department.objects.filter(memberships__user=user).select_related("municipality")


def role_in_department(user: AbstractBaseUser | AnonymousUser, department_id: int) -> str | None:
    """Return the user's role in a department, or None when not a member."""
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.filter(user=user, department_id=department_id)
        .values_list("role", flat=True)
        .first()
    )


def user_can(user: AbstractBaseUser | AnonymousUser, permission: str, department_id: int) -> bool:
    """Return whether the user holds ``permission`` (view/prepare/approve/manage) there."""
    role = role_in_department(user, department_id)
    return role is not None and permission in PERMISSIONS[Role(role)]
