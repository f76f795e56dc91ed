import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { TaskReport } from "../../src/suite/eval.js";
import {
  packageRoot,
  type RunFigures,
  renderHtmlReport,
  reportTemplateDir,
  summarize,
} from "../../src/suite/report.js";

const REPO_ROOT = join(import.meta.dirname, "..", "..");

function report(id: string, repo: string, status: TaskReport["status"], extra: Partial<TaskReport> = {}) {
  return {
    instance_id: id,
    repo,
    model_name_or_path: "m",
    status,
    resolved: status === "resolved",
    timing_ms: { sandbox: 0, patch: 0, tests: 0, total: 2500 },
    attempts: 1,
    ...extra,
  } satisfies TaskReport;
}

const reports: TaskReport[] = [
  report("a__b-1", "a/b", "resolved", {
    patch_applied_method: "git apply",
    tests_status: {
      FAIL_TO_PASS: { success: ["t1"], failure: [] },
      PASS_TO_PASS: { success: ["t2", "t3"], failure: ["t4"] },
      FAIL_TO_FAIL: { success: [], failure: [] },
      PASS_TO_FAIL: { success: [], failure: [] },
    },
    resolution: "FULL",
  }),
  report("x<script>alert('x')</script>", "evil/<b>repo</b>", "error", {
    reason: `infra: "docker" said <nope> & quit`,
  }),
  report("c__d-2", "c/d", "unresolved"),
  report("c__d-3", "c/d", "patch_failed"),
];
const ids = reports.map((r) => r.instance_id);
const summary = summarize(
  [...ids, "missing", "c__d-4"],
  [...ids, "c__d-4"],
  reports,
  [],
  new Map([
    ["missing", "e/f"],
    ["c__d-4", "c/d"],
  ]),
);
const figures: RunFigures[] = ids.map((id, i) => ({
  instance_id: id,
  costUsd: 0.1 * (i + 1),
  steps: 4 + i,
  elapsedMs: 1000 * (i + 1),
}));

describe("report.html", () => {
  it("HTML-escapes task ids, repositories and reasons", () => {
    const html = renderHtmlReport(summary, reports, figures);
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<b>repo");
    expect(html).not.toContain("<nope>");
    expect(html).toContain("<td>x&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</td>");
    expect(html).toContain('font-size="12">evil/&lt;b&gt;repo&lt;/b&gt;</text>');
    expect(html).toContain("<td>infra: &quot;docker&quot; said &lt;nope&gt; &amp; quit</td>");
  });

  it("shows the counts, the charts and one row per task", () => {
    const html = renderHtmlReport(summary, reports, figures);
    expect(html.startsWith("<!doctype html>\n")).toBe(true);
    expect(html.endsWith("</body></html>\n")).toBe(true);
    expect(html).toContain(
      "<p><b>1</b> of 6 resolved (16.7%) ·\n2 unresolved (1 patch failed) ·\n0 empty patch · 1 error · 2 incomplete</p>",
    );
    // Resolved by repository, then cost, steps and time.
    expect(html.match(/<svg /g)).toHaveLength(4);
    expect(html).toContain('<text x="386.0" y="17" font-size="11">1/1</text>');
    expect(html).toContain("<figcaption>steps per task (n=4, 4 – 7)</figcaption>");
    expect(html).toContain(
      '<tr class="resolved"><td>a__b-1</td><td>a/b</td><td>resolved</td><td></td><td>git apply</td><td>1/1</td><td>2/3</td><td>2.5</td></tr>',
    );
    expect(html.match(/<tr class=/g)).toHaveLength(4);
  });

  it("has a table of counts per repository, from the summary", () => {
    const html = renderHtmlReport(summary, reports, figures);
    expect(summary.per_repo["c/d"]).toEqual({
      total: 3,
      submitted: 3,
      resolved: 0,
      unresolved: 2,
      empty_patch: 0,
      error: 0,
      patch_failed: 1,
    });
    // Tasks with no report are counted under the repository their task names.
    expect(summary.per_repo["e/f"]).toMatchObject({ total: 1, submitted: 0 });
    expect(Object.keys(summary.per_repo)).toEqual(["a/b", "c/d", "e/f", "evil/<b>repo</b>"]);
    expect(html).toContain(
      "<tr><td>c/d</td><td>3</td><td>3</td><td>0</td><td>0.0</td><td>2</td><td>1</td><td>0</td><td>0</td></tr>",
    );
    expect(html).toContain(
      "<tr><td>a/b</td><td>1</td><td>1</td><td>1</td><td>100.0</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>",
    );
    expect(html).toContain("<tr><td>evil/&lt;b&gt;repo&lt;/b&gt;</td>");
    expect(html.match(/<table class="repos">[\s\S]*?<\/table>/)![0].match(/<tr>/g)).toHaveLength(5);
  });

  it("says so when there are no run folders, and renders an empty evaluation", () => {
    expect(renderHtmlReport(summary, reports, [])).toContain("<p>No run folders (result.json)");
    const empty = renderHtmlReport(summarize([], [], [], []), [], []);
    expect(empty).toContain("<b>0</b> of 0 resolved (0.0%)");
    expect(empty).toContain('aria-label="resolved by repository"></svg>');
  });
});

describe("report template location", () => {
  const tmp = mkdtempSync(join(tmpdir(), "fixpoint-report-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const template = join(REPO_ROOT, "src", "suite", "report.html.liquid");

  it("finds the package root from src/ and from a dist/ folder", () => {
    expect(packageRoot()).toBe(REPO_ROOT);
    expect(packageRoot(join(REPO_ROOT, "dist", "suite"))).toBe(REPO_ROOT);
    expect(reportTemplateDir()).toBe(join(REPO_ROOT, "src", "suite"));
  });

  it("uses dist/suite in an installed package (no src/), src/suite in a checkout", () => {
    const pkg = join(tmp, "pkg");
    mkdirSync(join(pkg, "dist", "suite"), { recursive: true });
    writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "fixpoint" }));
    copyFileSync(template, join(pkg, "dist", "suite", "report.html.liquid"));
    expect(packageRoot(join(pkg, "dist", "suite"))).toBe(pkg);
    expect(reportTemplateDir(pkg)).toBe(join(pkg, "dist", "suite"));
    mkdirSync(join(pkg, "src", "suite"), { recursive: true });
    copyFileSync(template, join(pkg, "src", "suite", "report.html.liquid"));
    expect(reportTemplateDir(pkg)).toBe(join(pkg, "src", "suite"));
  });

  it("skips other packages' package.json and names what is missing", () => {
    const nested = join(tmp, "other", "node_modules", "x");
    mkdirSync(nested, { recursive: true });
    writeFileSync(join(tmp, "other", "package.json"), JSON.stringify({ name: "fixpoint" }));
    writeFileSync(join(nested, "package.json"), JSON.stringify({ name: "x" }));
    expect(packageRoot(nested)).toBe(join(tmp, "other"));
    expect(() => reportTemplateDir(join(tmp, "other"))).toThrow(/report\.html\.liquid not found/);
  });
});
