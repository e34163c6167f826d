"""pytest's root conftest: plugins every test directory gets (the shared fixtures themselves
live in tests/conftest.py). Here at the root, ``tests`` is importable for a bare ``pytest``."""

pytest_plugins = ["tests.tasks_in_process"]
