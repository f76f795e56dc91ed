import sys

import pytest

from calc import add, div


def test_add():
    assert add(2, 3) == 5


def test_add_wrong():
    assert add(2, 2) == 5, "two plus two should be five"


@pytest.mark.parametrize("a,b,expected", [(1, 2, 3), (2, 2, 5), (-1, 1, 0)])
def test_add_param(a, b, expected):
    assert add(a, b) == expected


@pytest.mark.parametrize("word", ["hello world", "x"])
def test_words(word):
    assert word.upper() == word.upper()


@pytest.mark.skip(reason="not implemented yet")
def test_skipped():
    assert False


@pytest.mark.skipif(sys.version_info > (2,), reason="needs python 2")
def test_skipif():
    assert False


def test_uses_broken(broken_resource):
    assert broken_resource


def test_raises_unexpected():
    div(1, 0)


@pytest.mark.xfail(reason="known bug")
def test_xfail():
    assert add(1, 1) == 3


class TestCalc:
    def test_method_ok(self):
        assert add(0, 0) == 0

    def test_method_fail(self):
        assert div(6, 3) == 3

    @pytest.mark.skip(reason="class skip")
    def test_method_skip(self):
        pass

    class TestNested:
        def test_inner(self):
            assert True
