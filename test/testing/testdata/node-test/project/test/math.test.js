import assert from "node:assert/strict";
import { describe, it, test } from "node:test";
import { add, parse } from "../lib.js";

test("adds numbers", () => {
  assert.equal(add(2, 3), 5);
});

test("adds wrong", () => {
  assert.equal(add(2, 2), 5, "two plus two should be five");
});

test("skipped test", { skip: "not ready" }, () => {});

test("todo test", { todo: "later" }, () => {});

test("throws a TypeError", () => {
  parse("null");
});

describe("parser", () => {
  it("parses a value", () => {
    assert.equal(parse('{"value": 3}'), 3);
  });

  it("rejects garbage", () => {
    assert.throws(() => parse("{"), SyntaxError);
    assert.equal(parse('{"value": 1}'), 2);
  });

  describe("nested", () => {
    it("deep pass", () => {});
  });
});

test("with subtests", async (t) => {
  await t.test("sub ok", () => {});
  await t.test("sub fail", () => {
    assert.deepEqual({ a: 1 }, { a: 2 });
  });
});
