import pytest


@pytest.fixture
def broken_db():
    raise RuntimeError("database connection refused")


@pytest.fixture
def bad_teardown():
    yield 1
    raise ValueError("teardown exploded")
