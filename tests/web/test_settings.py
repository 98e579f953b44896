"""Production refuses to start without its secrets; development starts on embedded defaults."""

import os
import subprocess
import sys

import pytest

CHECK = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"


def _start(**env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TSUCHI_")}
    clean.update(env, DJANGO_SETTINGS_MODULE="tsuchi.web.settings")
    return subprocess.run(
        [sys.executable, "-c", CHECK], env=clean, capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({}, "TSUCHI_SECRET_KEY"),
        ({"TSUCHI_SECRET_KEY": "s" * 50}, "TSUCHI_ALLOWED_HOSTS"),
    ],
)
def test_production_refuses_to_start_without_secrets(env, missing):
    result = _start(TSUCHI_ENV="production", **env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_starts_with_its_secrets_and_without_debug():
    result = _start(
        TSUCHI_ENV="production",
        TSUCHI_SECRET_KEY="s" * 50,
        TSUCHI_ALLOWED_HOSTS="tsuchi.example.jp",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_development_starts_on_embedded_defaults(tmp_path):
    result = _start(TSUCHI_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
