const { add, parse } = require("../lib");

test("adds numbers", () => {
  expect(add(2, 3)).toBe(5);
});

test("adds wrong", () => {
  expect(add(2, 2)).toBe(5);
});

test.skip("skipped test", () => {
  expect(true).toBe(false);
});

test.todo("todo test");

test("throws a TypeError", () => {
  parse("null");
});

describe("parser", () => {
  it("parses a value", () => {
    expect(parse('{"value": 3}')).toBe(3);
  });

  it("rejects garbage", () => {
    expect(parse('{"value": 1}')).toEqual(2);
  });

  describe("nested", () => {
    it.each([1, 2])("deep %i", (n) => {
      expect(n).toBeGreaterThan(1);
    });
  });
});
