import pytest

from tests.deployment import harness


@pytest.fixture(scope="session")
def demo_site(pytestconfig) -> harness.DemoSite:
    """Migrated database with the demo content and collected static files (made once)."""
    return harness.shared_demo_site(pytestconfig)


@pytest.fixture(scope="session")
def server_logs(tmp_path_factory):
    return tmp_path_factory.mktemp("server-logs")
