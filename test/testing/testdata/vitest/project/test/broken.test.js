import { test } from "vitest";
import { missing } from "../does-not-exist.js";

test("never collected", () => {
  missing();
});
