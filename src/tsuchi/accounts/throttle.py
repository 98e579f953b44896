"""Slows down password guessing on the staff login: after a few failures for the same user name
or from the same address, further attempts are refused for a while, whatever the password.

Counters live in Django's cache (per process in development; Redis or the database cache in
production, so that all web processes share them)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache


def _keys(username: str, ip_address: str | None) -> list[str]:
    # Hash the user name: cache keys must not carry personal data or arbitrary characters.
    name = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    keys = [f"login-fail:user:{name}"]
    if ip_address:
        keys.append(f"login-fail:ip:{ip_address}")
    return keys


def login_blocked(username: str, ip_address: str | None) -> bool:
    """Whether attempts for this user name or from this address are refused for now."""
    limits = {"user": settings.LOGIN_FAILURE_LIMIT, "ip": settings.LOGIN_FAILURE_LIMIT * 4}
    for key in _keys(username, ip_address):
        kind = key.split(":")[1]
        if cache.get(key, 0) >= limits[kind]:
            return True
    return False


def login_failed(username: str, ip_address: str | None) -> None:
    """Count a failed attempt for the user name and the address."""
    for key in _keys(username, ip_address):
        cache.add(key, 0, timeout=settings.LOGIN_LOCKOUT_SECONDS)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS)


def login_succeeded(username: str) -> None:
    """Forget the failures of a user name once its owner has logged in."""
    cache.delete(_keys(username, None)[0])
