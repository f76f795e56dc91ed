/**
 * The test gate: what "until the tests pass" means on a real repository. When the model
 * submits, the harness chooses the tests (the task's named failing tests, the agent's own new or
 * changed tests, and the tests the code graph says can reach the changed symbols — or the whole
 * suite when the baseline shows it fits the time budget), runs them on the agent's code and, at
 * the same time, makes sure the baseline holds their results at the base commit. It passes when
 * the named and the agent's tests pass and nothing that passed at baseline fails now. Failures
 * that exist at baseline are pre-existing, and a test that flips between two runs of the same
 * code is flaky: both are reported and never block.
 */
import { errorMessage } from "../common/index.js";
import type { Logger } from "../log/index.js";
import type { Sandbox } from "../sandbox/index.js";
import {
  canonicalTestId,
  compareWithBaseline,
  confirmSuspects,
  type Framework,
  isTestFile,
  relatedTests,
  runSelection,
  type Suspect,
  sameTest,
  selectsByFile,
  summarizeTestReport,
  type TestCaseResult,
  type TestPlan,
  type TestRunReport,
  testFileOf,
} from "../testing/index.js";
import { type Baseline, hiddenMs, inTree, TREE_ENV_PREFIX } from "./baseline.js";
import type { GateRecord } from "./trajectory.js";

export type GateScope = "auto" | "related" | "full";

/** A test the code graph says can reach the change, as `testsReaching` reports it. */
export interface ReachedTest {
  path: string;
  test?: { name: string; qualifiedName: string; kind: string; line: number };
  hops: number;
  reason: string;
}

/** What the code graph answers for a diff (null when it cannot). */
export interface GraphTestSelection {
  tests: ReachedTest[];
  /** Changed files the graph could not resolve to symbols: name matching covers these. */
  unresolvedFiles: string[];
  truncated?: boolean;
  /** What the graph left out on purpose, for the trajectory. */
  notes?: string[];
}

export interface GateOptions {
  sandbox: Sandbox;
  /** The test command; null when none was configured or detected (the gate cannot run tests). */
  plan: TestPlan | null;
  /** Tests the task names as failing (FAIL_TO_PASS): they must pass. */
  named: string[];
  baseline: Baseline | null;
  scope: GateScope;
  /** The whole suite is used (scope auto) when its baseline run took at most this long. */
  fullBudgetMs: number;
  /** Graph hops from a test to a changed symbol (default 2). */
  hops?: number;
  selectTests?: (diff: string, changed: string[], hops: number) => Promise<GraphTestSelection | null>;
  log: Logger;
}

/** One selected test (or test file) in the plan's syntax, and why it was chosen. */
export interface GateSelectionEntry {
  id: string;
  reasons: string[];
}

export interface GateOutcome {
  passed: boolean;
  /** `passed`/`failed` on per-test results; `unverified` passed on exit codes alone; `no-tests` found nothing to run; `skipped` had no test command. */
  verdict: "passed" | "failed" | "unverified" | "no-tests" | "skipped";
  /** What the model is shown. */
  text: string;
  record: GateRecord;
  report?: TestRunReport;
  /** For choosing the best patch when a budget ends. */
  score: { namedPassing: number; regressions: number };
}

const MAX_SELECTION = 400;
const MAX_GATE_MS = 60 * 60_000;
/** How far the selection widens when nothing is within the configured hops. */
const MAX_WIDENED_HOPS = 6;
/** Tests run at baseline ahead of the first submit, at most. */
const MAX_PREFETCH = 200;

export class TestGate {
  constructor(private readonly opts: GateOptions) {}

  get scope(): GateScope {
    return this.opts.scope;
  }

  /**
   * Marks the failures of a test run (the agent's own `run_tests`) that fail at the base commit
   * too, as far as the baseline knows yet: the model need not chase them.
   */
  annotate(report: TestRunReport): TestRunReport {
    const known = this.opts.baseline?.statuses();
    if (!known?.size || !report.tests) return report;
    const pre = report.tests.filter(
      (t) =>
        (t.status === "failed" || t.status === "error") &&
        (known.get(t.name) === "failed" || known.get(t.name) === "error"),
    );
    if (!pre.length) return report;
    const names = pre.slice(0, 10).map((t) => t.name);
    const more = pre.length > 10 ? `, … ${pre.length - 10} more` : "";
    const note = `${pre.length} of these failures also fail at the base commit (not caused by your change): ${names.join(", ")}${more}`;
    return { ...report, notes: [...(report.notes ?? []), note] };
  }

  /** Starts the baseline work that can go on while the model takes its first turns. */
  start(): void {
    const { baseline, plan, scope } = this.opts;
    if (!baseline || !plan) return;
    baseline.prepare().catch((err: unknown) => {
      this.opts.log.warn({ err: errorMessage(err) }, "gate: the baseline copy failed");
    });
    if (scope !== "related" || !selectsByFile(plan.framework))
      baseline.startFullSuite(this.opts.fullBudgetMs);
  }

  /**
   * Runs at baseline, ahead of the first submit, the tests the gate is likely to select: those
   * that reach the code the localization points at. Their baseline is then ready (hidden behind
   * the model's turns) when the change lands there; a whole suite that fits makes this moot.
   */
  prefetch(likely: GraphTestSelection): void {
    const { baseline, plan, scope } = this.opts;
    if (!baseline || !plan || scope === "full" || !selectsByFile(plan.framework)) return;
    const units = [
      ...new Set(
        likely.tests.map((r) =>
          r.test ? testIdFor(r.path, r.test, plan.framework) : unitForFile(r.path, plan.framework),
        ),
      ),
    ].slice(0, MAX_PREFETCH);
    if (units.length) baseline.prefetch(units, this.opts.fullBudgetMs);
  }

  async check(timeLeftMs: number): Promise<GateOutcome> {
    const t0 = Date.now();
    const { sandbox, plan, baseline, log } = this.opts;
    if (!plan) {
      const text = "The gate found no test command (none configured, none detected), so it ran no tests.";
      return this.outcome(true, "skipped", text, { t0 });
    }
    // The gate's runs end with the run's time budget (or after an hour when there is none).
    const budget = Math.max(1000, Math.min(timeLeftMs, MAX_GATE_MS));
    const deadline = t0 + budget;
    const left = () => Math.max(1000, deadline - Date.now());

    const diff = await sandbox.diff();
    const changed = await sandbox.listChangedFiles();
    const agentFiles = changed.filter((f) => isTestFile(f));
    const { entries, agentTestIds, notes, graphNotes } = await this.select(diff, changed, agentFiles);

    // Scope: the whole suite when asked, or (auto) when the baseline shows it fits the budget.
    let full = this.opts.scope === "full";
    let scopeWhy = full ? "--gate-scope full" : "";
    if (!full && !selectsByFile(plan.framework)) {
      full = true;
      scopeWhy = `${plan.framework} runs no single test file: the whole suite`;
    } else if (this.opts.scope === "auto") {
      if (baseline?.fullRunning) await baseline.waitForFullSuite(Math.min(left(), this.opts.fullBudgetMs));
      const f = baseline?.full;
      if (f?.complete && f.durationMs <= this.opts.fullBudgetMs) {
        full = true;
        scopeWhy = `the whole suite fits: ${seconds(f.durationMs)} at baseline (budget ${seconds(this.opts.fullBudgetMs)})`;
      } else if (f && !f.complete) {
        scopeWhy = `the whole suite did not finish within ${seconds(f.budgetMs)} at baseline`;
      } else if (f?.complete) {
        scopeWhy = `the whole suite took ${seconds(f.durationMs)} at baseline (budget ${seconds(this.opts.fullBudgetMs)})`;
      } else scopeWhy = "the whole suite's baseline is not known";
    } else if (!full) scopeWhy = "--gate-scope related";

    const units = full ? [] : entries.map((e) => e.id);
    if (!full && units.length === 0) {
      const text = [
        "Test gate: no test ran. No named test, no test of yours, and no test that the code graph",
        "or the file names relate to your change; the gate passes without evidence.",
        ...notes,
      ].join("\n");
      return this.outcome(true, "no-tests", text, { t0, scope: "related", scopeWhy, entries, baseline });
    }

    // The agent's code and the baseline, side by side.
    const [current] = await Promise.all([
      runSelection(sandbox, { plan: inTree(plan), tests: units, timeoutMs: left() }),
      baseline
        ? baseline.ensure(units, left()).catch((err: unknown) => {
            log.warn({ err: errorMessage(err) }, "gate: baseline run failed");
            notes.push(`The baseline could not be run (${errorMessage(err)}): every failing test counts.`);
          })
        : Promise.resolve(),
    ]);
    const scope = full ? "full" : "related";
    const ctx = { t0, scope, scopeWhy, entries, graphNotes, baseline, report: current } as const;

    if (current.timedOut) {
      const text = [
        `Test gate: the tests did not finish within ${seconds(current.durationMs)} (the time left in the run's budget).`,
        summarizeTestReport({ ...current, command: plainCommand(current.command) }, { maxChars: 3000 }),
      ].join("\n");
      return this.outcome(false, "failed", text, ctx);
    }
    if (!current.tests) return this.exitCodeVerdict(current, units, notes, ctx);

    const statuses = baseline?.statuses() ?? new Map();
    const inUnits = (name: string) => units.some((u) => belongsTo(name, u));
    // The agent's tests: those its diff changed, and those its test files have that the base
    // commit did not (when the baseline ran that file; else they cannot be told apart).
    const isAgentTest = (name: string) => {
      const file = testFileOf(name);
      if (!agentFiles.includes(file)) return false;
      if (agentTestIds.some((id) => belongsTo(name, id))) return true;
      return !statuses.has(name) && (baseline?.covers(unitForFile(file, plan.framework)) ?? false);
    };
    const cmp = compareWithBaseline({
      current: current.tests,
      baseline: statuses,
      named: this.opts.named,
      isAgentTest,
      ranNow: full ? () => true : inUnits,
    });

    // Suspected regressions run once more on both sides: a flip on the same code is flakiness.
    // A test that vanished because the agent's own diff removed or renamed it is its decision,
    // shown in the patch and in the report, not a regression to rerun.
    const removed = await this.removedByChange(
      cmp.suspects.filter((s) => s.kind === "missing"),
      agentFiles,
    );
    const suspects = cmp.suspects.filter((s) => !removed.includes(s.name));
    let regressions: Suspect[] = [];
    let flaky: Array<Suspect & { why: string }> = [];
    if (suspects.length) {
      const names = suspects.slice(0, MAX_SELECTION).map((s) => s.name);
      const [again, before] = await Promise.all([
        runSelection(sandbox, { plan: inTree(plan), tests: names, timeoutMs: left() }),
        baseline ? baseline.rerun(names, left()).catch(() => new Map()) : Promise.resolve(new Map()),
      ]);
      const confirmed = confirmSuspects(
        suspects,
        new Map((again.tests ?? []).map((t) => [t.name, t.status])),
        before,
      );
      regressions = confirmed.regressions;
      flaky = confirmed.flaky;
      for (const s of confirmed.preExisting)
        cmp.preExisting.push({ name: s.name, status: s.now === "error" ? "error" : "failed" });
    }
    const agentFailing = cmp.agentTests.filter((t) => t.status === "failed" || t.status === "error");
    const passed = regressions.length === 0 && cmp.named.failing.length === 0 && agentFailing.length === 0;

    const text = renderGateReport({
      passed,
      scope,
      scopeWhy,
      run: current,
      regressions,
      namedFailing: cmp.named.failing,
      namedPassing: cmp.named.passing.length,
      agentTests: cmp.agentTests,
      preExisting: cmp.preExisting,
      flaky,
      removed,
      notes,
      baselineKnown: statuses.size > 0,
    });
    const out = this.outcome(passed, passed ? "passed" : "failed", text, ctx);
    out.score = { namedPassing: cmp.named.passing.length, regressions: regressions.length };
    Object.assign(out.record, {
      regressions: regressions.map((r) => ({ name: r.name, kind: r.kind, before: r.before, now: r.now })),
      namedFailing: cmp.named.failing.map((n) => ({ name: n.name, status: n.status })),
      agentTests: cmp.agentTests.map((t) => ({ name: t.name, status: t.status })),
      preExisting: cmp.preExisting.map((t) => t.name),
      flaky: flaky.map((f) => ({ name: f.name, why: f.why })),
      removed,
      fixed: cmp.fixed,
    });
    return out;
  }

  /**
   * The tests to run: named tests, the agent's test files, the tests the graph says reach the
   * change, and name matching for changed files the graph could not resolve.
   */
  private async select(
    diff: string,
    changed: string[],
    agentFiles: string[],
  ): Promise<{
    entries: GateSelectionEntry[];
    agentTestIds: string[];
    notes: string[];
    graphNotes: string[];
  }> {
    const { sandbox, plan, log } = this.opts;
    const framework = plan?.framework;
    const byId = new Map<string, GateSelectionEntry>();
    const add = (id: string, reason: string) => {
      const e = byId.get(id);
      if (e) {
        if (e.reasons.length < 3 && !e.reasons.includes(reason)) e.reasons.push(reason);
      } else byId.set(id, { id, reasons: [reason] });
    };
    const notes: string[] = [];
    const graphNotes: string[] = [];
    for (const id of this.opts.named) add(id, "named by the task as failing");
    for (const f of agentFiles) add(unitForFile(f, framework), "your test file");

    const agentTestIds: string[] = [];
    let unresolved = changed.filter((f) => !isTestFile(f));
    if (this.opts.selectTests && diff.trim()) {
      try {
        const hops = this.opts.hops ?? 2;
        let sel = await this.opts.selectTests(diff, changed, hops);
        // No test within k uses (a change deep under the public API): the nearest tests, further
        // out, are better evidence than none.
        let widened = hops;
        while (sel && hops > 0 && !sel.tests.some((r) => r.hops > 0) && widened < MAX_WIDENED_HOPS) {
          widened++;
          sel = await this.opts.selectTests(diff, changed, widened);
          if (sel?.tests.some((r) => r.hops > 0))
            notes.push(
              `No test reaches your change within ${hops} uses; the nearest, ${widened} uses away, ran.`,
            );
        }
        if (sel) {
          unresolved = sel.unresolvedFiles.filter((f) => !isTestFile(f));
          for (const r of sel.tests) {
            const id = r.test ? testIdFor(r.path, r.test, framework) : unitForFile(r.path, framework);
            if (r.hops === 0 && r.test) agentTestIds.push(id);
            add(id, r.reason);
          }
          // Nothing reaches the change through the graph (calls by name at run time, say):
          // the tests named like the changed files are the next best evidence.
          if (!sel.tests.some((r) => r.hops > 0)) unresolved = changed.filter((f) => !isTestFile(f));
          if (sel.truncated) notes.push("The graph's selection was cut at its limit.");
          graphNotes.push(...(sel.notes ?? []));
        }
      } catch (err) {
        log.warn({ err: errorMessage(err) }, "gate: graph test selection failed; using name matching");
        notes.push("The code graph could not select tests; tests were matched by file name.");
        unresolved = changed.filter((f) => !isTestFile(f));
      }
    }
    if (unresolved.length) {
      const listed = await sandbox.execOnce("git ls-files --cached --others --exclude-standard", {
        cwd: sandbox.root,
        timeoutMs: 60_000,
      });
      const testFiles = listed.stdout.split("\n").filter((f) => f && isTestFile(f));
      for (const f of relatedTests(unresolved, testFiles)) {
        add(unitForFile(f, framework), "named like a changed file (the graph could not resolve it)");
      }
    }
    // A whole file selected makes its tests' own entries redundant (they would run twice).
    const files = new Set(
      [...byId.keys()].filter((id) => [...byId.keys()].some((o) => o !== id && belongsTo(o, id))),
    );
    for (const [id, e] of byId) {
      const file = [...files].find((f) => f !== id && belongsTo(id, f));
      if (!file) continue;
      const into = byId.get(file)!;
      for (const r of e.reasons)
        if (into.reasons.length < 3 && !into.reasons.includes(r)) into.reasons.push(r);
      byId.delete(id);
    }
    const entries = [...byId.values()];
    if (entries.length > MAX_SELECTION) {
      notes.push(`${entries.length} tests were selected; the first ${MAX_SELECTION} ran.`);
      entries.length = MAX_SELECTION;
    }
    return { entries, agentTestIds, notes, graphNotes };
  }

  /**
   * Of the tests that passed at baseline and are no longer reported, those whose definition the
   * agent's diff took out of its own test files (renamed or deleted: the name is not in the file).
   */
  private async removedByChange(missing: Suspect[], agentFiles: string[]): Promise<string[]> {
    const out: string[] = [];
    const texts = new Map<string, string | null>();
    for (const s of missing) {
      const file = testFileOf(s.name);
      if (!agentFiles.includes(file)) continue;
      if (!texts.has(file)) texts.set(file, await this.opts.sandbox.readFile(file).catch(() => null));
      const text = texts.get(file);
      const name = testBaseName(s.name);
      if (
        text === null ||
        text === undefined ||
        !name ||
        !(/^\w+$/.test(name) ? new RegExp(`\\b${name}\\b`).test(text) : text.includes(name))
      )
        out.push(s.name);
    }
    return out;
  }

  /** No per-test result could be read: the exit code decides, and the report says so. */
  private exitCodeVerdict(
    current: TestRunReport,
    units: string[],
    notes: string[],
    ctx: Parameters<TestGate["outcome"]>[3],
  ): GateOutcome {
    const before = this.opts.baseline?.exitCodeOf(units);
    const summary = summarizeTestReport(
      { ...current, command: plainCommand(current.command) },
      { maxChars: 4000 },
    );
    if (current.exitCode === 0) {
      const text = `Test gate: passed on the exit code alone — no per-test result could be read from the output, and the command exited 0.\n${summary}`;
      return this.outcome(true, "unverified", text, ctx);
    }
    if (before !== undefined && before !== 0) {
      const text = [
        `Test gate: passed without evidence — no per-test result could be read, and the command fails at the base commit too (exit code ${before} there, ${current.exitCode} now), so the gate cannot tell what your change did.`,
        summary,
        ...notes,
      ].join("\n");
      return this.outcome(true, "unverified", text, ctx);
    }
    const text = [
      `Test gate: NOT passed. No per-test result could be read, and the command exited ${current.exitCode}${before === 0 ? " (it exits 0 at the base commit)" : ""}.`,
      summary,
      ...notes,
    ].join("\n");
    return this.outcome(false, "failed", text, ctx);
  }

  private outcome(
    passed: boolean,
    verdict: GateOutcome["verdict"],
    text: string,
    ctx: {
      t0: number;
      scope?: "full" | "related";
      scopeWhy?: string;
      entries?: GateSelectionEntry[];
      graphNotes?: string[];
      baseline?: Baseline | null;
      report?: TestRunReport;
    },
  ): GateOutcome {
    const b = ctx.baseline;
    const record: GateRecord = {
      passed,
      verdict,
      summary: text,
      exitCode: ctx.report?.exitCode ?? 0,
      ...(ctx.report?.counts ? { counts: ctx.report.counts } : {}),
      ...(ctx.report ? { command: plainCommand(ctx.report.command) } : {}),
      ...(ctx.scope ? { scope: ctx.scope, scopeWhy: ctx.scopeWhy ?? "" } : {}),
      ...(ctx.entries ? { selection: ctx.entries.map((e) => ({ test: e.id, reasons: e.reasons })) } : {}),
      ...(ctx.graphNotes?.length ? { selectionNotes: ctx.graphNotes } : {}),
      ...(b
        ? {
            baseline: {
              source: b.timing.source,
              tests: b.statuses().size,
              ...(b.full ? { full: b.full } : {}),
              runMs: b.timing.runMs,
              waitedMs: b.timing.waitedMs,
              hiddenMs: hiddenMs(b.timing),
              ...(b.timing.copyMs !== undefined ? { copyMs: b.timing.copyMs } : {}),
            },
          }
        : {}),
      durationMs: Date.now() - ctx.t0,
    };
    return {
      passed,
      verdict,
      text,
      record,
      ...(ctx.report ? { report: ctx.report } : {}),
      score: { namedPassing: 0, regressions: passed ? 0 : 1 },
    };
  }
}

/** Whether a result belongs to a selection unit (a test id, a class, a file), in any id form. */
export function belongsTo(name: string, unit: string): boolean {
  if (name === unit || sameTest(name, unit)) return true;
  const a = canonicalTestId(name);
  const b = canonicalTestId(unit);
  if (!a.startsWith(b)) return false;
  const next = a[b.length];
  return next === "." || next === "[" || next === " " || next === ":";
}

/** The innermost name of a test id: `a.py::C::test_x[1]` → `test_x`; `f.js > s > works` → `works`. */
function testBaseName(name: string): string {
  const last = name.split(/::| > /).pop() ?? "";
  return last.replace(/\[.*$/, "").trim();
}

/** A test file as a selection unit in the framework's syntax. */
export function unitForFile(path: string, framework?: Framework): string {
  if (framework === "unittest") return path.replace(/\.py$/, "").split("/").join(".");
  return path;
}

/** A test function or method as a selection unit in the framework's syntax. */
export function testIdFor(
  path: string,
  test: { name: string; qualifiedName: string },
  framework?: Framework,
): string {
  switch (framework) {
    case "pytest":
      return `${path}::${test.qualifiedName.split(".").join("::")}`;
    case "unittest":
      return `${unitForFile(path, framework)}.${test.qualifiedName}`;
    case "go":
      return test.name;
    case "maven":
    case "gradle":
    case "junit":
      return test.qualifiedName;
    default:
      return unitForFile(path, framework);
  }
}

function seconds(ms: number): string {
  return ms >= 120_000 ? `${Math.round(ms / 60_000)} min` : `${(ms / 1000).toFixed(1)} s`;
}

interface ReportInput {
  passed: boolean;
  scope: "full" | "related";
  scopeWhy: string;
  run: TestRunReport;
  regressions: Suspect[];
  namedFailing: Array<{ name: string; status: string; message?: string }>;
  namedPassing: number;
  agentTests: TestCaseResult[];
  preExisting: TestCaseResult[];
  flaky: Array<Suspect & { why: string }>;
  removed: string[];
  notes: string[];
  baselineKnown: boolean;
}

const MAX_LISTED = 12;

function clip(message: string | undefined, lines = 6): string {
  if (!message) return "";
  const all = message.trim().split("\n");
  const shown = all.slice(0, lines).map((l) => `      ${l.length > 200 ? `${l.slice(0, 200)}…` : l}`);
  if (all.length > lines) shown.push(`      … (${all.length - lines} more lines)`);
  return `\n${shown.join("\n")}`;
}

/** The one report the model sees: what blocks first, then briefly what is not its business. */
export function renderGateReport(r: ReportInput): string {
  const c = r.run.counts ?? { passed: 0, failed: 0, skipped: 0, error: 0 };
  const blocking = r.regressions.length + r.namedFailing.length + r.agentTests.filter(isFailing).length;
  const lines: string[] = [
    r.passed
      ? "Test gate: passed."
      : `Test gate: NOT passed — ${blocking} blocking problem${blocking === 1 ? "" : "s"}.`,
    `Ran ${r.scope === "full" ? "the whole suite" : "the tests related to your change"} (${r.scopeWhy}): ${c.passed} passed, ${c.failed} failed, ${c.error} errors, ${c.skipped} skipped, in ${seconds(r.run.durationMs)}.`,
    `$ ${plainCommand(r.run.command)}`,
  ];
  if (r.regressions.length) {
    lines.push(
      "",
      `Regressions — passed at the base commit, fail with your change (${r.regressions.length}):`,
    );
    for (const s of r.regressions.slice(0, MAX_LISTED)) {
      const what =
        s.kind === "missing"
          ? "no longer runs (not collected, deleted or renamed)"
          : s.kind === "new"
            ? `${s.now} (not present at the base commit)`
            : `${s.before} → ${s.now}`;
      lines.push(`  ${s.name}: ${what}${clip(s.message)}`);
    }
    if (r.regressions.length > MAX_LISTED) lines.push(`  … and ${r.regressions.length - MAX_LISTED} more`);
  }
  if (r.namedPassing && !r.namedFailing.length)
    lines.push(`The tests the task names pass (${r.namedPassing}).`);
  if (r.namedFailing.length) {
    lines.push("", `Tests the task names as failing, still not passing (${r.namedFailing.length}):`);
    for (const n of r.namedFailing.slice(0, MAX_LISTED))
      lines.push(
        `  ${n.name}: ${n.status === "missing" ? "not found in the results" : n.status}${clip(n.message)}`,
      );
  }
  if (r.agentTests.length) {
    const failing = r.agentTests.filter(isFailing);
    lines.push("", `Your tests (${r.agentTests.length}, ${failing.length} failing):`);
    for (const t of [...failing, ...r.agentTests.filter((t) => !isFailing(t))].slice(0, MAX_LISTED))
      lines.push(`  ${t.status.toUpperCase()} ${t.name}${isFailing(t) ? clip(t.message) : ""}`);
  }
  if (r.removed.length) {
    const names = r.removed.slice(0, 8).join(", ");
    const more = r.removed.length > 8 ? `, … ${r.removed.length - 8} more` : "";
    lines.push(
      "",
      `Tests your change removes or renames (they passed at the base commit; make sure that is intended): ${names}${more}`,
    );
  }
  if (r.preExisting.length || r.flaky.length) {
    lines.push("", "Not your concern (reported, never blocking):");
    if (r.preExisting.length) {
      const names = r.preExisting.slice(0, 8).map((t) => t.name);
      const more = r.preExisting.length > 8 ? `, … ${r.preExisting.length - 8} more` : "";
      lines.push(`  ${r.preExisting.length} failing at the base commit too: ${names.join(", ")}${more}`);
    }
    if (r.flaky.length) {
      const names = r.flaky.slice(0, 8).map((f) => `${f.name} (${f.why})`);
      lines.push(
        `  ${r.flaky.length} flaky (different results on two runs of the same code): ${names.join(", ")}`,
      );
    }
  }
  if (!r.baselineKnown) lines.push("", "No baseline results were available: every failing test was counted.");
  if (r.notes.length) lines.push("", ...r.notes);
  if (!r.passed) lines.push("", "Fix what blocks (regressions first), then call submit again.");
  return lines.join("\n");
}

/** The command as the user wrote it, without the prefix both trees run it under. */
function plainCommand(command: string): string {
  return command.startsWith(TREE_ENV_PREFIX) ? command.slice(TREE_ENV_PREFIX.length) : command;
}

function isFailing(t: { status: string }): boolean {
  return t.status === "failed" || t.status === "error";
}

export interface ScoredPatch {
  patch: string;
  namedPassing: number;
  regressions: number;
}

/**
 * Keeps the best patch seen at a gate: most named tests passing, then fewest regressions, then
 * the smallest. Empty patches never win.
 */
export class BestPatch {
  best: ScoredPatch | null = null;

  offer(candidate: ScoredPatch): void {
    if (!candidate.patch.trim()) return;
    const b = this.best;
    if (
      !b ||
      candidate.namedPassing > b.namedPassing ||
      (candidate.namedPassing === b.namedPassing &&
        (candidate.regressions < b.regressions ||
          (candidate.regressions === b.regressions && candidate.patch.length < b.patch.length)))
    ) {
      this.best = candidate;
    }
  }
}
