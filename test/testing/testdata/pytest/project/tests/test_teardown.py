import pytest


@pytest.fixture
def teardown_fails():
    yield 1
    raise ValueError("teardown exploded")


def test_with_bad_teardown(teardown_fails):
    assert teardown_fails == 1
