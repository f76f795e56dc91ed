/**
 * The baseline: per-test results at the base commit, in the run's own environment, of the tests
 * the gate uses. They come from a pristine copy of the checkout made inside the sandbox before
 * the first edit — tracked files from git at the base commit, everything else (installed
 * dependencies, built extensions) copied from the checkout — and run in the background while
 * the model takes its first turns. Results are kept per test and cached on disk per repository,
 * base commit, environment and test command, so a suite computes each baseline once.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join, posix } from "node:path";
import { errorMessage, shellQuote, writeFileAtomic } from "../common/index.js";
import type { Logger } from "../log/index.js";
import type { Sandbox } from "../sandbox/index.js";
import { runSelection, type TestPlan, type TestRunReport, type TestStatus } from "../testing/index.js";

export interface BaselineKey {
  /** The repository: a name (`owner/name`) or the real path of a local one. */
  repo: string;
  commit: string;
  /** The sandbox's environment (image id, or the host for the local sandbox). */
  environment: string;
  command: string;
  /** The test-reading code's version (`testingCodeVersion`): a parser change makes a new baseline. */
  reader?: string;
}

/** What the whole-suite run at baseline showed. */
export interface FullSuiteRecord {
  /** False when the run did not end within `budgetMs`: the whole suite does not fit. */
  complete: boolean;
  durationMs: number;
  budgetMs: number;
  exitCode: number;
  /** Whether per-test results could be read from it. */
  parsed: boolean;
}

interface StoredBaseline {
  version: 1;
  key: BaselineKey;
  full?: FullSuiteRecord;
  /** Selections run at baseline (a test id or file, in the plan's syntax) and how they ended. */
  units: Record<string, { exitCode: number; parsed: boolean }>;
  tests: Record<string, TestStatus>;
  updatedAt: string;
}

export interface BaselineOptions {
  sandbox: Sandbox;
  plan: TestPlan;
  key: BaselineKey;
  /** Folder of the on-disk cache; absent = this run only. */
  cacheDir?: string;
  log: Logger;
}

/** When the baseline's work happened, to tell how much of it the model's turns hid. */
export interface BaselineTiming {
  /** Whether the results came from the disk cache (nothing ran) or from runs. */
  source: "cache" | "run";
  startedAt: number;
  copyMs?: number;
  /** Wall time of every baseline test run so far (whole suite and selections). */
  runMs: number;
  /** Time the loop spent waiting for baseline runs (at a submit, or for a rerun). */
  waitedMs: number;
}

/** Of the baseline's run time, the part that ran while the loop was not waiting for it. */
export function hiddenMs(t: BaselineTiming): number {
  return Math.max(0, t.runMs - t.waitedMs);
}

/**
 * The shell prefix under which both trees run the gate's tests: Python imports the tree's own
 * package (`src/` layouts included) before an installed editable copy that points at the
 * checkout; and pytest runs the tests it could collect when one file fails to import, instead of
 * stopping the session (one broken file at the base commit would hide every other test).
 */
export const TREE_ENV_PREFIX =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell expansions, not a template
  'export PYTHONPATH="$PWD/src:$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTEST_ADDOPTS="--continue-on-collection-errors${PYTEST_ADDOPTS:+ $PYTEST_ADDOPTS}"; ';

export class Baseline {
  private data: StoredBaseline;
  private copy: Promise<string> | null = null;
  private fullRun: Promise<void> | null = null;
  /** Selections being run at baseline right now (by the gate or ahead of it). */
  private readonly inFlight = new Map<string, Promise<void>>();
  readonly timing: BaselineTiming;

  private constructor(
    private readonly opts: BaselineOptions,
    data: StoredBaseline | null,
  ) {
    this.data = data ?? { version: 1, key: opts.key, units: {}, tests: {}, updatedAt: "" };
    this.timing = { source: data ? "cache" : "run", startedAt: Date.now(), runMs: 0, waitedMs: 0 };
  }

  /** Opens the baseline of `key`, with what the cache already knows. */
  static open(opts: BaselineOptions): Baseline {
    return new Baseline(opts, readCache(cachePath(opts)));
  }

  /** The directory of the pristine copy inside the sandbox. */
  get copyDir(): string {
    return posix.join(this.opts.sandbox.scratch, "baseline", posix.basename(this.opts.sandbox.root));
  }

  /** Makes the pristine copy (once). Call before the first edit. */
  prepare(): Promise<string> {
    this.copy ??= this.makeCopy();
    return this.copy;
  }

  private async makeCopy(): Promise<string> {
    const { sandbox } = this.opts;
    const t0 = Date.now();
    const dst = this.copyDir;
    // Tracked files are written from the base commit through a private index (the checkout's
    // own index is never touched), so an edit made while the copy is taken cannot leak into it.
    const script = [
      "set -e",
      'dst=$1; root=$2; base=$3; idx="$(dirname "$dst")/index.$$"',
      'rm -rf "$dst" && mkdir -p "$dst"',
      'tar -C "$root" --exclude=./.git -cf - . | tar -C "$dst" -xf -',
      'GIT_INDEX_FILE="$idx" git -C "$root" read-tree "$base"',
      'GIT_INDEX_FILE="$idx" git -C "$root" checkout-index -a -f --prefix="$dst/"',
      'rm -f "$idx"',
    ].join("\n");
    const quoted = [dst, sandbox.root, sandbox.baseCommit].map(shellQuote);
    const r = await sandbox.execOnce(
      `bash -c ${shellQuote(script)} fixpoint-baseline-copy ${quoted.join(" ")}`,
      {
        cwd: sandbox.root,
        timeoutMs: 15 * 60_000,
      },
    );
    if (r.exitCode !== 0) {
      throw new Error(
        `could not copy the checkout for the baseline: ${(r.stderr || r.stdout).trim().slice(-300)}`,
      );
    }
    this.timing.copyMs = Date.now() - t0;
    return dst;
  }

  get full(): FullSuiteRecord | undefined {
    return this.data.full;
  }

  /** Whether the whole-suite run is in flight. */
  get fullRunning(): boolean {
    return this.fullRun !== null;
  }

  /**
   * Starts the whole suite on the pristine copy in the background, unless the cache already
   * knows how it ends within this budget. It stops at `budgetMs`: the suite then does not fit.
   */
  startFullSuite(budgetMs: number): void {
    const known = this.data.full;
    // A finished run says whether the suite fits any budget; one cut at a budget at least this large says it does not.
    if (known && (known.complete || known.budgetMs >= budgetMs)) return;
    if (this.fullRun) return;
    this.fullRun = (async () => {
      try {
        const report = await this.run([], budgetMs);
        this.data.full = {
          complete: !report.timedOut,
          durationMs: report.durationMs,
          budgetMs,
          exitCode: report.exitCode,
          parsed: report.tests !== undefined,
        };
        if (!report.timedOut) this.record(report, []);
        await this.save();
      } catch (err) {
        this.opts.log.warn({ err: errorMessage(err) }, "gate: the whole-suite baseline failed");
      } finally {
        this.fullRun = null;
      }
    })();
  }

  /** Waits for the whole-suite run, if one is in flight, up to `timeoutMs`. */
  async waitForFullSuite(timeoutMs: number): Promise<void> {
    if (!this.fullRun) return;
    await this.waitFor(this.fullRun, timeoutMs);
  }

  /** Whether the baseline holds results for a selection unit (or for everything). */
  covers(unit: string): boolean {
    const f = this.data.full;
    return (f?.complete === true && f.parsed) || unit in this.data.units;
  }

  /**
   * Makes sure the baseline holds these units (test ids or files in the plan's syntax; empty =
   * the whole suite): waits for the whole-suite run when it may cover them, then runs the rest
   * on the pristine copy in one command.
   */
  async ensure(units: string[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    if (this.fullRun) await this.waitForFullSuite(timeoutMs);
    if (units.length === 0) {
      if (!this.data.full?.complete) {
        const report = await this.waited(() => this.run([], Math.max(1000, deadline - Date.now())));
        this.data.full = {
          complete: !report.timedOut,
          durationMs: report.durationMs,
          budgetMs: timeoutMs,
          exitCode: report.exitCode,
          parsed: report.tests !== undefined,
        };
        if (!report.timedOut) this.record(report, []);
        await this.save();
      }
      return;
    }
    // What is already being run (ahead of the gate) is waited for, not run twice.
    const pending = [...new Set(units.filter((u) => !this.covers(u)).map((u) => this.inFlight.get(u)))];
    const running = pending.filter((p): p is Promise<void> => p !== undefined);
    if (running.length) await this.waitFor(Promise.all(running), Math.max(0, deadline - Date.now()));
    // Whatever is still not covered (a run ahead of the gate that timed out or failed) runs now.
    const missing = units.filter((u) => !this.covers(u));
    if (!missing.length) return;
    await this.waited(() => this.runUnits(missing, Math.max(1000, deadline - Date.now())));
  }

  /**
   * Runs these units at baseline in the background, ahead of the gate (after the whole-suite
   * run, when one is in flight): the tests the gate is likely to need, guessed before any edit.
   */
  prefetch(units: string[], timeoutMs: number): void {
    const after = this.fullRun ?? Promise.resolve();
    const job = after.then(async () => {
      const missing = units.filter((u) => !this.covers(u));
      if (!missing.length) return;
      const report = await this.run(missing, timeoutMs);
      if (!report.timedOut) {
        this.record(report, missing);
        await this.save();
      }
    });
    for (const u of units) if (!this.inFlight.has(u)) this.inFlight.set(u, job);
    job
      .catch((err: unknown) =>
        this.opts.log.warn({ err: errorMessage(err) }, "gate: baseline prefetch failed"),
      )
      .finally(() => {
        for (const u of units) if (this.inFlight.get(u) === job) this.inFlight.delete(u);
      });
  }

  private async runUnits(units: string[], timeoutMs: number): Promise<void> {
    const job = (async () => {
      const report = await this.run(units, timeoutMs);
      if (!report.timedOut) {
        this.record(report, units);
        await this.save();
      }
    })();
    for (const u of units) if (!this.inFlight.has(u)) this.inFlight.set(u, job);
    try {
      await job;
    } finally {
      for (const u of units) if (this.inFlight.get(u) === job) this.inFlight.delete(u);
    }
  }

  /** Runs tests by name on the pristine copy again (to tell a flaky test from a regression). */
  async rerun(names: string[], timeoutMs: number): Promise<Map<string, TestStatus>> {
    if (!names.length) return new Map();
    const report = await this.waited(() => this.run(names, timeoutMs));
    return new Map((report.tests ?? []).map((t) => [t.name, t.status]));
  }

  /** Status at the base commit by test name. */
  statuses(): Map<string, TestStatus> {
    return new Map(Object.entries(this.data.tests));
  }

  /** How the baseline runs of these units ended (for the exit-code fallback). */
  exitCodeOf(units: string[]): number | undefined {
    if (!units.length) return this.data.full?.complete ? this.data.full.exitCode : undefined;
    let worst: number | undefined;
    for (const u of units) {
      const e = this.data.units[u]?.exitCode;
      if (e !== undefined && (worst === undefined || e !== 0)) worst = e;
    }
    return worst;
  }

  /**
   * Runs tests on the pristine copy. Test ids can hold the tree's own path (pytest parameters
   * made from a temporary or working directory): they are written for the copy going in and
   * read back as the checkout's coming out, so both trees name a test the same.
   */
  private async run(tests: string[], timeoutMs: number): Promise<TestRunReport> {
    const cwd = await this.prepare();
    const plan = this.opts.plan;
    const root = this.opts.sandbox.root;
    const t0 = Date.now();
    try {
      const report = await runSelection(this.opts.sandbox, {
        plan: inTree(plan),
        tests: tests.map((t) => t.replaceAll(root, cwd)),
        cwd,
        timeoutMs,
      });
      if (report.tests)
        report.tests = report.tests.map((t) => ({ ...t, name: t.name.replaceAll(cwd, root) }));
      else if (!report.timedOut) {
        this.opts.log.warn(
          { command: report.command, exitCode: report.exitCode, output: report.output.slice(-1500) },
          "gate: no per-test result in a baseline run",
        );
      }
      return report;
    } finally {
      this.timing.runMs += Date.now() - t0;
      this.timing.source = "run";
    }
  }

  /** Runs `fn` while the loop waits for it: its time is not hidden behind the model's turns. */
  private async waited<T>(fn: () => Promise<T>): Promise<T> {
    const t0 = Date.now();
    try {
      return await fn();
    } finally {
      this.timing.waitedMs += Date.now() - t0;
    }
  }

  private async waitFor(p: Promise<unknown>, timeoutMs: number): Promise<void> {
    const t0 = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([p, new Promise<void>((r) => (timer = setTimeout(r, Math.max(0, timeoutMs))))]);
    } finally {
      clearTimeout(timer);
      this.timing.waitedMs += Date.now() - t0;
    }
  }

  private record(report: TestRunReport, units: string[]): void {
    for (const t of report.tests ?? []) this.data.tests[t.name] = t.status;
    for (const u of units)
      this.data.units[u] = { exitCode: report.exitCode, parsed: report.tests !== undefined };
  }

  private async save(): Promise<void> {
    this.data.updatedAt = new Date().toISOString();
    const path = cachePath(this.opts);
    if (!path) return;
    try {
      await writeFileAtomic(path, JSON.stringify(this.data));
    } catch (err) {
      this.opts.log.warn({ err: errorMessage(err) }, "gate: could not write the baseline cache");
    }
  }
}

/** The plan as the gate runs it in either tree (see TREE_ENV_PREFIX). */
export function inTree(plan: TestPlan): TestPlan {
  return {
    ...plan,
    command: TREE_ENV_PREFIX + plan.command,
    commandFor: (tests) => TREE_ENV_PREFIX + plan.commandFor(tests),
  };
}

function cachePath(opts: BaselineOptions): string | null {
  if (!opts.cacheDir) return null;
  const h = createHash("sha256").update(JSON.stringify(opts.key)).digest("hex").slice(0, 24);
  return join(opts.cacheDir, `${h}.json`);
}

function readCache(path: string | null): StoredBaseline | null {
  if (!path || !existsSync(path)) return null;
  try {
    const data = JSON.parse(readFileSync(path, "utf8")) as StoredBaseline;
    return data.version === 1 && data.tests && data.units ? data : null;
  } catch {
    return null;
  }
}
