const assert = require("node:assert/strict");
const { add, parse } = require("../lib");

it("adds numbers", () => {
  assert.equal(add(2, 3), 5);
});

it("adds wrong", () => {
  assert.equal(add(2, 2), 5, "two plus two should be five");
});

it.skip("skipped test", () => {
  assert.fail("never");
});

it("pending test");

it("throws a TypeError", () => {
  parse("null");
});

describe("parser", () => {
  it("parses a value", () => {
    assert.equal(parse('{"value": 3}'), 3);
  });

  it("rejects garbage", () => {
    assert.equal(parse('{"value": 1}'), 2);
  });

  describe("nested", () => {
    it("deep pass", () => {});
  });
});
