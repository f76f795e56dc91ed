import { describe, expect, it } from "vitest";
import { selectionCommand, selectsByFile } from "../../src/testing/detect.js";

describe("selectionCommand: a selection added to a configured command", () => {
  it("go: inserts -run with the top-level names, keeping $ intact", () => {
    expect(selectionCommand("go", "go test -json ./...", ["TestA", "TestB/sub"])).toBe(
      "go test -json -run '^(TestA|TestB)$' ./...",
    );
  });

  it("node:test: puts the name pattern before the file arguments", () => {
    expect(selectionCommand("node:test", "node --test --test-reporter=tap test/", ["suite > adds (x)"])).toBe(
      "node --test --test-name-pattern='^(?:adds \\(x\\))$' --test-reporter=tap test/",
    );
  });

  it("jest: files and a -t pattern; cargo: --exact after --; pytest: ids appended", () => {
    expect(selectionCommand("jest", "npx jest --ci --json", ["src/a.test.ts > math > adds"])).toBe(
      "npx jest --ci --json src/a.test.ts -t '^(?:math adds)$'",
    );
    expect(selectionCommand("cargo", "cargo test", ["tests::adds"])).toBe(
      "cargo test -- --exact tests::adds",
    );
    expect(selectionCommand("pytest", "pytest -q", ["tests/t.py::test_x[a b]"])).toBe(
      "pytest -q 'tests/t.py::test_x[a b]'",
    );
    expect(selectionCommand("go", "go test ./...", [])).toBe("go test ./...");
  });

  it("ctest: an anchored -R of the names on the last ctest; make check: every test (no file selects)", () => {
    const cmake = 'cmake --build "$b" && ctest --test-dir "$b" --output-on-failure';
    expect(selectionCommand("ctest", cmake, ["format-test", "c++.test"])).toBe(
      `cmake --build "$b" && ctest -R '^(format-test|c\\+\\+\\.test)$' --test-dir "$b" --output-on-failure`,
    );
    // An agent names the test's source; the test is named after it (fmt-2292's run_tests).
    expect(selectionCommand("ctest", "ctest --test-dir b", ["test/chrono-test.cc", "x.test"])).toBe(
      "ctest -R '^(test/chrono-test\\.cc|chrono-test|x\\.test)$' --test-dir b",
    );
    expect(selectionCommand("automake", "make -j2 && make check", ["tests/jqtest"])).toBe(
      "make -j2 && make check",
    );
    expect([
      selectsByFile("ctest"),
      selectsByFile("automake"),
      selectsByFile("jest"),
      selectsByFile(undefined),
    ]).toEqual([false, false, true, true]);
  });
});
