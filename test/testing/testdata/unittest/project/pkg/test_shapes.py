import unittest

from pkg.shapes import area, parse_size


class AreaTests(unittest.TestCase):
    def test_square(self):
        self.assertEqual(area(3, 3), 9)

    def test_wrong_area(self):
        self.assertEqual(area(2, 3), 7)

    def test_documented(self):
        """Area of a line is zero."""
        self.assertEqual(area(0, 5), 0)

    @unittest.skip("not ready")
    def test_skipped(self):
        self.fail("never runs")

    @unittest.expectedFailure
    def test_known_bug(self):
        self.assertEqual(area(1, 1), 2)

    def test_subtests(self):
        for i in range(3):
            with self.subTest(i=i):
                self.assertLess(area(i, 1), 2)


class ParseTests(unittest.TestCase):
    def test_parse(self):
        self.assertEqual(parse_size("3x4"), (3, 4))

    def test_parse_bad(self):
        parse_size("3 by 4")

    def test_noisy(self):
        print("some output from the test")
        self.assertTrue(True)
