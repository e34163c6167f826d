"""CI cannot pass with a browser, PostgreSQL or Redis test skipped (tests/conftest.py)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MODULE = """
import pytest

@pytest.mark.postgres
def test_needs_postgres():
    pass

@pytest.mark.browser
def test_browser_that_skips():
    pytest.skip("no Chromium here")

def test_plain_skip():
    pytest.skip("nothing to do with a service")
"""


def run(tmp_path, **env) -> subprocess.CompletedProcess:
    (tmp_path / "test_services.py").write_text(MODULE)
    environment = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REQUIRE_SERVICES")
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-c", "pyproject.toml", "--rootdir", ".",
         "-p", "tests.conftest", "-p", "no:cacheprovider", str(tmp_path / "test_services.py")],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_service_tests_skip_with_their_reason_listed(tmp_path):
    result = run(tmp_path)
    assert result.returncode == 0, result.stdout
    assert "needs DATABASE_URL pointing at PostgreSQL" in result.stdout
    assert "no Chromium here" in result.stdout
    assert "3 skipped" in result.stdout


def test_required_services_turn_their_skips_into_failures(tmp_path):
    result = run(tmp_path, REQUIRE_SERVICES="1")
    assert result.returncode == 1, result.stdout
    assert "REQUIRE_SERVICES=1, but this postgres test was skipped" in result.stdout
    assert "REQUIRE_SERVICES=1, but this browser test was skipped" in result.stdout
    assert "1 skipped" in result.stdout  # the plain skip stays a skip
