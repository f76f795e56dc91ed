"""Outcomes and parametrized ids shaped like the ones SWE-bench's log parsers have to cut."""
import enum

import pytest


class MouseButton(enum.Enum):
    # A plain Enum: pytest shows it as "MouseButton.LEFT", the form matplotlib's ids had.
    LEFT = 1
    RIGHT = 3


def test_pass():
    assert 1 + 1 == 2


def test_fail():
    assert 2 + 2 == 5, "two plus two should be five"


@pytest.mark.parametrize("text", ["hello world", "x", "a b - c"])
def test_words(text):
    assert text != "a b - c"


@pytest.mark.parametrize("unit", ["log(photon / m**2 s)", "m**2"])
def test_unit(unit):
    assert unit


@pytest.mark.parametrize("path", ["/usr/lib/python3/dist-packages/pkg/mod.py", "//server/share/f.py", "/tmp/*.txt", "rel/dir/f.py"])
def test_path(path):
    assert not path.startswith("/tmp")


@pytest.mark.parametrize("value", [[1, 2], "a[0]"], ids=["[1, 2]", "a[0]"])
def test_nested_brackets(value):
    assert value


@pytest.mark.parametrize("button", [MouseButton.LEFT, MouseButton.RIGHT])
def test_button(button):
    assert button is not MouseButton.RIGHT


@pytest.mark.skip(reason="not implemented yet")
def test_skipped():
    pass


@pytest.mark.xfail(reason="known bug")
def test_xfail():
    assert False


@pytest.mark.xfail(reason="fixed already")
def test_xpass():
    assert True


def test_uses_broken(broken_db):
    assert broken_db


def test_bad_teardown(bad_teardown):
    assert bad_teardown == 1


class TestGroup:
    def test_ok(self):
        assert True

    def test_fail(self):
        assert [1, 2] == [1, 3]

    @pytest.mark.parametrize("n", [1, 2])
    def test_param(self, n):
        assert n == 1
