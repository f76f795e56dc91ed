import { describe, expect, it } from "vitest";
import { type Progress, renderProgress, testsDetail } from "../../src/action/index.js";
import { PROGRESS_MARKER } from "../../src/github/index.js";

describe("the progress comment", () => {
  it("renders the marker, the headline, one line per phase, the footer and the run's link", () => {
    const p: Progress = {
      headline: "working on this issue",
      phases: [
        { name: "Started", state: "done", detail: "requested by @maintainer" },
        { name: "Localized", state: "running", detail: "" },
        { name: "Tests", state: "failed", detail: "2 failed" },
        { name: "Result", state: "pending", detail: "" },
      ],
      footer: ["Limits: $2.00, 30 min, 60 steps."],
    };
    expect(renderProgress(p, "https://github.example/o/r/actions/runs/1")).toBe(
      [
        PROGRESS_MARKER,
        "**fixpoint** · working on this issue",
        "",
        "- ✅ **Started**: requested by @maintainer",
        "- ⏳ **Localized**",
        "- ❌ **Tests**: 2 failed",
        "- ⬜ **Result**",
        "",
        "Limits: $2.00, 30 min, 60 steps.",
        "",
        "[Workflow run](https://github.example/o/r/actions/runs/1)",
      ].join("\n"),
    );
  });

  it("says what the tests did in one line", () => {
    expect(testsDetail(undefined)).toBe("not run");
    expect(testsDetail({ command: "npm test", exitCode: 1, counts: { passed: 3, failed: 1 } })).toBe(
      "`npm test` exited 1 (3 passed, 1 failed)",
    );
  });
});
