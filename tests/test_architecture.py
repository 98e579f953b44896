"""Rules of the layering that a reviewer would otherwise have to remember."""

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

import tsuchi

SRC = Path(tsuchi.__file__).parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_imports_no_django():
    offenders = [
        str(path.relative_to(SRC))
        for path in (SRC / "core").rglob("*.py")
        if any(name == "django" or name.startswith("django.") for name in _imports(path))
    ]
    assert offenders == []


def test_core_imports_nothing_of_the_web_or_cli():
    forbidden = ("tsuchi.web", "tsuchi.cli", "tsuchi.batches", "tsuchi.accounts", "tsuchi.evidence")
    offenders = [
        str(path.relative_to(SRC))
        for path in (SRC / "core").rglob("*.py")
        if any(name.startswith(forbidden) for name in _imports(path))
    ]
    assert offenders == []


def test_every_task_module_imports():
    for path in SRC.rglob("tasks.py"):
        module = ".".join(path.relative_to(SRC.parent).with_suffix("").parts)
        importlib.import_module(module)


def _staff_patterns(resolver, prefix=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _staff_patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


PUBLIC_PREFIXES = ("i18n/", "accounts/login/", "admin/", "portal/", "verify/", "api/")


@pytest.mark.django_db
def test_every_staff_url_demands_a_login(client):
    checked = 0
    for route, _pattern in _staff_patterns(get_resolver()):
        if route == "" or route.startswith(PUBLIC_PREFIXES) or "<" in route:
            continue
        response = client.get("/" + route)
        assert response.status_code in {302, 405}, route
        if response.status_code == 302:
            assert "/accounts/login/" in response["Location"], route
        checked += 1
    assert checked > 0


@pytest.mark.django_db
def test_every_event_kind_used_has_a_label():
    from tsuchi.evidence.kinds import EVENT_LABELS

    used = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.keyword)
                and node.arg == "kind"
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                used.add(node.value.value)
    assert used, "no event kinds found"
    assert used <= set(EVENT_LABELS)


def test_all_modules_import():
    for module in pkgutil.walk_packages([str(SRC)], prefix="tsuchi."):
        if ".migrations." in module.name or module.name.endswith("manage"):
            continue
        importlib.import_module(module.name)
