"""Fixtures of the tests with real background processes."""

import pytest


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory):
    """A folder whose db.sqlite3 is migrated once per session, for background_processes.migrated_database."""
    return tmp_path_factory.mktemp("migrated")
