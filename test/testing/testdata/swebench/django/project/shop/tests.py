"""Every outcome Django's runner prints at --verbosity 2, for SWE-bench's django log parser."""
import sys
import unittest

from django.db import connection
from django.test import SimpleTestCase, TestCase


def total(prices, tax=0.0):
    return round(sum(prices) * (1 + tax), 2)


class TotalTests(SimpleTestCase):
    def test_empty(self):
        self.assertEqual(total([]), 0)

    def test_with_tax(self):
        """Totals include the tax rate.

        At verbosity 2 the runner prints only this first line, on a line of its own.
        """
        self.assertEqual(total([10], tax=0.2), 12.0)

    def test_wrong_total(self):
        self.assertEqual(total([1, 2]), 4)

    def test_wrong_with_docstring(self):
        """A failing test with a docstring."""
        self.assertEqual(total([1]), 2)

    def test_raises(self):
        total(None)

    @unittest.skip("needs a payment gateway")
    def test_skipped(self):
        pass

    @unittest.expectedFailure
    def test_known_bug(self):
        self.assertEqual(total([1]), 2)

    @unittest.expectedFailure
    def test_fixed_bug(self):
        self.assertEqual(total([1]), 1)

    def test_noisy(self):
        # Output between the test's name and its status puts "ok" on a line of its own.
        sys.stderr.write("warming the cache\n")
        self.assertEqual(total([2]), 2)

    def test_noisy_failure(self):
        sys.stderr.write("retrying once\n")
        self.assertEqual(total([2]), 3)


class OrderTests(TestCase):
    def test_database(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            self.assertEqual(cursor.fetchone(), (1,))
