"""``manage.py check --deploy`` is clean with the variables a production deployment sets.

Production sets DEBUG=0, SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL (README); everything else
keeps its default, so the defaults themselves must be safe (HTTPS redirect, secure cookies, HSTS).
"""

import os
import subprocess

import pytest

from tests.deployment import harness


@pytest.fixture
def production_env(tmp_path) -> dict[str, str]:
    env = harness.clean_environment()
    env.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": harness.random_secret_key(),
            "ALLOWED_HOSTS": "mitreden.example.org",
            "DATABASE_URL": os.environ.get("DATABASE_URL")
            or f"sqlite:///{tmp_path / 'production.sqlite3'}",
        }
    )
    if harness.redis_url():
        env["REDIS_URL"] = harness.redis_url()
    return env


def check_deploy(env):
    return subprocess.run(
        [harness.PYTHON, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=harness.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_in_production(production_env):
    assert len(production_env["SECRET_KEY"]) >= 50
    result = check_deploy(production_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout, result.stdout + result.stderr


def test_check_deploy_notices_debug(production_env):
    """The check itself is live: the same environment with DEBUG on is refused."""
    production_env["DEBUG"] = "1"
    result = check_deploy(production_env)
    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr
