import pytest


@pytest.fixture
def broken_resource():
    raise RuntimeError("database connection refused")
