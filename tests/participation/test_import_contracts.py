"""The import-linter contracts in pyproject.toml hold, and each one fails when broken.

Each breaking case copies the project's packages into a temporary folder, adds the one import
the contract forbids and runs ``lint-imports`` there: a contract that stayed kept would be a
contract that checks nothing.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("participation", "cms", "consultations")

LINT_IMPORTS = "from importlinter.cli import lint_imports_command; lint_imports_command()"


def contract_ids() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {contract["id"] for contract in config["tool"]["importlinter"]["contracts"]}


def lint_imports(cwd: Path, *contracts: str) -> subprocess.CompletedProcess:
    """Run lint-imports on the packages in ``cwd`` (it puts ``cwd`` first on the path)."""
    limit = [arg for contract in contracts for arg in ("--contract", contract)]
    return subprocess.run(
        [sys.executable, "-c", LINT_IMPORTS, "--no-cache", "--no-logo", *limit],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


# contract id -> (file to change, line to add): the import the contract exists to forbid.
# A late import inside a function counts as much as one at the top of the module.
BREAKS = {
    "domain-without-cms": (
        "consultations/selectors.py",
        "def _page():\n    from cms.models import ConsultationPage\n\n"
        "    return ConsultationPage\n",
    ),
    "models-below-behaviour": (
        "consultations/models/discussions.py",
        "from consultations import realtime  # noqa: E402\n",
    ),
    "consumers-only-push": (
        "consultations/consumers.py",
        "from consultations.actions.discussions import post_comment  # noqa: E402\n",
    ),
    "actions-without-views": (
        "consultations/actions/consultations.py",
        "from consultations.views.discussions import discussion_context  # noqa: E402\n",
    ),
    "actions-without-request": (
        "consultations/actions/accounts.py",
        "from django.http import HttpRequest  # noqa: E402\n",
    ),
    # The circle that was broken: report_comment notifying the author through moderation.
    "action-areas-independent": (
        "consultations/actions/discussions.py",
        "def _notify(comment):\n"
        "    from consultations.actions.moderation import notify_author\n\n"
        "    notify_author(comment, hidden=True)\n",
    ),
    # The other circle that was broken: the teaser block looking up the page model.
    "cms-pages-above-blocks": (
        "cms/blocks.py",
        "def _page_model():\n    from cms.models import ConsultationPage\n\n"
        "    return ConsultationPage\n",
    ),
    # Any new circle between siblings: the page cache asking the signal handlers back.
    "no-import-cycles": (
        "cms/page_cache.py",
        "def _signals():\n    from cms import signals\n\n    return signals\n",
    ),
}

# More forbidden neighbours of the models, each of which must break the same contract.
MODEL_BREAKS = [
    "from consultations.actions import discussions  # noqa: E402\n",
    "from consultations.views import discussions  # noqa: E402\n",
    "from consultations import consumers  # noqa: E402\n",
    "from consultations import hubs  # noqa: E402\n",
    "from consultations import layers  # noqa: E402\n",
    "from consultations import admin  # noqa: E402\n",
]


@pytest.fixture
def project_copy(tmp_path):
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package,
            tmp_path / package,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def add_line(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as file:
        file.write("\n\n" + text)


def test_every_contract_has_a_breaking_case():
    assert contract_ids() == set(BREAKS)


def test_the_code_keeps_every_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(BREAKS)} kept, 0 broken." in result.stdout


def test_the_unchanged_copy_keeps_every_contract(project_copy):
    # Without this, a breaking case could fail for a reason that has nothing to do with it.
    result = lint_imports(project_copy)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("contract", sorted(BREAKS))
def test_the_contract_fails_when_broken(project_copy, contract):
    relative, text = BREAKS[contract]
    add_line(project_copy / relative, text)
    result = lint_imports(project_copy, contract)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BROKEN" in result.stdout
    assert "Contracts: 0 kept, 1 broken." in result.stdout


@pytest.mark.parametrize("text", MODEL_BREAKS)
def test_models_import_no_behaviour_nor_live_code(project_copy, text):
    add_line(project_copy / "consultations/models/moderation.py", text)
    result = lint_imports(project_copy, "models-below-behaviour")
    assert result.returncode == 1, result.stdout + result.stderr
