/**
 * `suite eval`: grades predictions the way SWE-bench's harness does. Per task, a fresh sandbox at
 * the base commit; the model patch applied (git apply → 3-way → reject → patch --fuzz); the test
 * files the test patch touches restored and the test patch applied; the task's tests run; the
 * log graded by SWE-bench's rules (grade.ts). A run that shows no parsed result is an error,
 * never a pass. Per task: SWE-bench's report.json and fixpoint's fixpoint-report.json.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import pLimit from "p-limit";
import { errorMessage, InfraError, shellQuote, UsageError, writeFileAtomic } from "../common/index.js";
import { createLogger, type Logger } from "../log/index.js";
import { openSandbox, type Sandbox } from "../sandbox/index.js";
import type { MultiSweExpectation, SuiteTask } from "../task/index.js";
import {
  canonicalTestId,
  parseTestOutput,
  runTests,
  type SweStatus,
  sweLogParserByName,
  type TestCaseResult,
  type TestRunReport,
  type TestStatus,
} from "../testing/index.js";
import { resolveEnvironment, type TaskEnvironmentPlan } from "./environment.js";
import {
  gradeLog,
  MARKERS,
  pythonJson,
  type Resolution,
  readStatusMap,
  recordedExitCode,
  type StatusMapParser,
  sweBenchReport,
  type TestsStatus,
  testOutputRegion,
} from "./grade.js";
import { gradeMultiSwe, multiSweResult, multiSweTestsStatus } from "./grade-multi.js";
import { applyPatchInSandbox, applyTestPatchInSandbox, testDirectives } from "./patch.js";
import type { Prediction } from "./predictions.js";
import { resolveTaskRepo } from "./repos.js";
import { evalScript, type SweTestSpec, testDirectivesFor } from "./specs.js";
import { taskDirName, uniqueRunId } from "./util.js";

export type EvalStatus = "resolved" | "unresolved" | "empty_patch" | "patch_failed" | "error";

/** Per task: SWE-bench's report.json (its name and shape, to diff against an official run)… */
export const SWEBENCH_REPORT_FILE = "report.json";
/** …and fixpoint's own, with the status, reason, environment and timings. */
export const TASK_REPORT_FILE = "fixpoint-report.json";

export interface TaskReport {
  instance_id: string;
  repo: string;
  model_name_or_path: string;
  status: EvalStatus;
  resolved: boolean;
  /** Why a task is not resolved: patch_failed, empty_patch, timeout, no_test_results, test_patch_failed, infra, … */
  reason?: string;
  error?: string;
  patch_applied_method?: string;
  environment?: { source: string; image?: string };
  test_command?: string;
  test_exit_code?: number;
  tests_status?: TestsStatus;
  /** SWE-bench's FULL / PARTIAL / NO, when the log could be graded. */
  resolution?: Resolution;
  counts?: TestRunReport["counts"];
  timing_ms: { sandbox: number; patch: number; tests: number; total: number };
  attempts: number;
}

export interface EvalOptions {
  tasks: SuiteTask[];
  predictions: Prediction[];
  outDir: string;
  workers: number;
  sandbox: "docker" | "local";
  mirror?: string;
  cacheDir: string;
  /** Time limit of one test run. */
  timeoutMs: number;
  imageTemplate?: string | null;
  recipesDir?: string;
  baseImage?: string;
  /**
   * Run the tests for empty patches too (the task's tests at the base commit plus the test
   * patch) instead of marking them empty_patch unseen: proves FAIL_TO_PASS really fails.
   */
  gradeEmpty?: boolean;
  log: Logger;
  signal?: AbortSignal;
  onTaskDone?: (r: TaskReport) => void;
  onTaskStart?: (id: string) => void;
}

export interface EvalResult {
  reports: TaskReport[];
  /** Prediction ids that name no task in the task file. */
  unknownPredictions: string[];
  /** Tasks left ungraded because the run was interrupted. */
  interrupted: string[];
}

function emptyTiming() {
  return { sandbox: 0, patch: 0, tests: 0, total: 0 };
}

/**
 * The run as SWE-bench's test_output.txt has it: the output between the start and end markers,
 * then the test command's exit code, which grading checks the parsed results against.
 */
interface GradedRun {
  report: Pick<TestRunReport, "command" | "exitCode" | "timedOut" | "durationMs" | "counts">;
  /** The log as SWE-bench's harness writes it: markers around the test output, then the exit code. */
  testLog: string;
  parse: StatusMapParser;
}

/**
 * Runs the spec's script (`eval.sh`, kept in the task folder) in the sandbox: SWE-bench's
 * environment activation, variables, pre-test commands, markers and test command, with the
 * test patch's files as directives. The log is graded with the spec's own SWE-bench parser.
 */
async function runSpecScript(
  sb: Sandbox,
  spec: SweTestSpec,
  t: SuiteTask,
  dir: string,
  timeoutMs: number,
  install: string[],
): Promise<GradedRun> {
  const directives = testDirectivesFor(spec, t.testPatch);
  const script = evalScript(spec, directives, install);
  await writeFile(join(dir, "eval.sh"), script);
  const path = `${sb.scratch}/eval.sh`;
  await sb.writeFile(path, script);
  // The spec's limit unless the user set a shorter one.
  const limit = Math.min(timeoutMs, spec.timeoutS * 1000);
  const r = await sb.execOnce(`bash ${shellQuote(path)}`, { timeoutMs: limit });
  let testLog = `${r.stdout}${r.stderr}`;
  if (r.timedOut) testLog += `\nTimeout error: ${Math.round(limit / 1000)} seconds exceeded.\n`;
  const parse = sweLogParserByName(spec.logParser);
  if (!parse) throw new UsageError(`${spec.specPath}: no SWE-bench log parser named ${spec.logParser}`);
  const recorded = recordedExitCode(testLog);
  const statuses = [...parse(testOutputRegion(testLog) ?? testLog).values()];
  const count = (...ss: SweStatus[]) => statuses.filter((x) => ss.includes(x)).length;
  return {
    report: {
      command: [spec.testCommand, ...directives.map(shellQuote)].join(" "),
      exitCode: recorded ?? r.exitCode,
      timedOut: r.timedOut,
      durationMs: r.durationMs,
      counts: {
        passed: count("PASSED", "XFAIL"),
        failed: count("FAILED"),
        skipped: count("SKIPPED"),
        error: count("ERROR"),
      },
    },
    testLog,
    parse,
  };
}

/** A repository without a SWE-bench spec: the recipe's or detected command, read by our own parsers. */
async function runWithFramework(
  sb: Sandbox,
  env: TaskEnvironmentPlan,
  t: SuiteTask,
  ids: string[],
  timeoutMs: number,
): Promise<GradedRun> {
  const directives = env.testSelection === "files" ? testDirectives(t.testPatch) : [];
  const report =
    env.testCommand && directives.length
      ? await runTests(sb, {
          command: `${env.testCommand} ${directives.map(shellQuote).join(" ")}`,
          timeoutMs,
          ...(env.framework ? { framework: env.framework } : {}),
        })
      : await runTests(sb, {
          ...(env.testCommand ? { command: env.testCommand } : {}),
          ...(ids.length ? { tests: ids } : {}),
          timeoutMs,
          ...(env.framework ? { framework: env.framework } : {}),
        });
  return {
    report,
    testLog: sweBenchTestLog(report, timeoutMs),
    parse: statusMapParser(report.framework, sb.root, ids),
  };
}

function sweBenchTestLog(r: TestRunReport, timeoutMs: number): string {
  const lines = [
    `$ ${r.command}`,
    MARKERS.startTestOutput,
    r.output,
    MARKERS.endTestOutput,
    `${MARKERS.testExitCode}: ${r.exitCode}`,
  ];
  if (r.timedOut) lines.push(`\nTimeout error: ${Math.round(timeoutMs / 1000)} seconds exceeded.`);
  return `${lines.join("\n")}\n`;
}

const SWE_STATUS: Record<TestStatus, SweStatus> = {
  passed: "PASSED",
  failed: "FAILED",
  skipped: "SKIPPED",
  error: "ERROR",
};

/**
 * A status map from our framework's parser. A task id that only matches a result in canonical
 * form (`tests.test_x.test_y` for `tests/test_x.py::test_y`, unittest's labels) is keyed as the
 * task writes it too, so those keep matching as they did before grading went by SWE-bench's rules.
 */
function statusMapParser(framework: string | undefined, root: string, ids: string[]): StatusMapParser {
  return (text) => {
    const sm = new Map<string, SweStatus>();
    if (!framework) return sm;
    let parsed: TestCaseResult[] = [];
    try {
      parsed = parseTestOutput(framework, text, { root });
    } catch {
      // a parser bug reads as nothing parsed: an error, never a pass
    }
    const canonical = new Map<string, SweStatus>();
    for (const r of parsed) {
      sm.set(r.name, SWE_STATUS[r.status]);
      const key = canonicalTestId(r.name);
      if (!canonical.has(key)) canonical.set(key, SWE_STATUS[r.status]);
    }
    for (const id of ids) {
      const s = sm.has(id) ? undefined : canonical.get(canonicalTestId(id));
      if (s) sm.set(id, s);
    }
    return sm;
  };
}

/** The fields of a task report that every graded run has. */
type RunReportBase = Omit<TaskReport, "status" | "resolved" | "reason">;

/**
 * Grades a Multi-SWE-bench task's run by its harness's rule (grade-multi.ts) and writes its
 * report.json shape. A run that cannot be read (a timeout, nothing parsed, a non-zero exit with
 * no failure logged) is an error, never a pass; its report.json has an empty fix result.
 */
async function gradeMultiSweRun(
  t: SuiteTask,
  expected: MultiSweExpectation,
  dir: string,
  testLog: string,
  parse: StatusMapParser,
  timedOut: boolean,
  empty: boolean,
  common: RunReportBase,
): Promise<TaskReport> {
  const read = readStatusMap(testLog, parse, timedOut);
  const fix = multiSweResult(read.ok ? read.statusMap : new Map());
  const [org = "", repo = ""] = t.repoName.split("/");
  const number = Number(/(\d+)$/.exec(t.instanceId)?.[1] ?? 0);
  const graded = gradeMultiSwe({ org, repo, number, expected, fix });
  await writeFileAtomic(join(dir, SWEBENCH_REPORT_FILE), `${JSON.stringify(graded, null, 2)}\n`);
  if (!read.ok) return { ...common, status: "error", resolved: false, reason: read.reason };
  const tests = { tests_status: multiSweTestsStatus(expected, fix) };
  if (empty)
    return {
      ...common,
      ...tests,
      status: "empty_patch",
      resolved: false,
      reason: graded.resolved ? "empty_patch_tests_pass" : "empty_patch",
    };
  return graded.resolved
    ? { ...common, ...tests, status: "resolved", resolved: true }
    : {
        ...common,
        ...tests,
        status: "unresolved",
        resolved: false,
        reason: "tests_failed",
        error: graded.error_msg,
      };
}

/** Grades one prediction in a fresh sandbox. Infrastructure failures throw InfraError. */
export async function gradeTask(
  t: SuiteTask,
  p: Prediction,
  dir: string,
  opts: Omit<EvalOptions, "tasks" | "predictions" | "outDir" | "workers">,
  log: Logger,
): Promise<TaskReport> {
  const base = {
    instance_id: t.instanceId,
    repo: t.repoName,
    model_name_or_path: p.model_name_or_path,
    attempts: 1,
  };
  const t0 = Date.now();
  const empty = !p.model_patch.trim();
  if (empty && !opts.gradeEmpty) {
    return {
      ...base,
      status: "empty_patch",
      resolved: false,
      reason: "empty_patch",
      timing_ms: emptyTiming(),
    };
  }
  const timing = emptyTiming();
  const repoPath = await resolveTaskRepo(t, {
    ...(opts.mirror ? { mirror: opts.mirror } : {}),
    cacheDir: opts.cacheDir,
    log,
  });
  const env: TaskEnvironmentPlan = await resolveEnvironment(t, {
    repoPath,
    sandbox: opts.sandbox,
    ...(opts.imageTemplate !== undefined ? { imageTemplate: opts.imageTemplate } : {}),
    ...(opts.recipesDir ? { recipesDir: opts.recipesDir } : {}),
    ...(opts.baseImage ? { baseImage: opts.baseImage } : {}),
    log,
  });
  const envInfo = { source: env.source, ...(env.image ? { image: env.image } : {}) };
  const tSandbox = Date.now();
  let sb: Sandbox | null = null;
  try {
    sb = await openSandbox({
      kind: opts.sandbox,
      repoPath,
      baseCommit: t.baseCommit,
      log,
      commandTimeoutMs: opts.timeoutMs,
      runId: uniqueRunId(`eval-${t.instanceId}`),
      // Grading needs the base commit's tree, not the repository's history.
      history: "base",
      ...(env.image ? { image: env.image } : {}),
    });
    timing.sandbox = Date.now() - tSandbox;
    const tPatch = Date.now();
    const applied = empty
      ? { ok: true, method: "none (empty patch)", log: "empty patch: nothing applied\n" }
      : await applyPatchInSandbox(sb, p.model_patch, "model");
    await writeFile(join(dir, "patch.log"), applied.log);
    if (!applied.ok) {
      timing.patch = Date.now() - tPatch;
      timing.total = Date.now() - t0;
      return {
        ...base,
        status: "patch_failed",
        resolved: false,
        reason: "patch_failed",
        environment: envInfo,
        timing_ms: timing,
      };
    }
    if (t.testPatch.trim()) {
      const tp = await applyTestPatchInSandbox(sb, t.testPatch);
      await writeFile(join(dir, "patch.log"), `${applied.log}\n# test patch\n${tp.log}`);
      if (!tp.ok) {
        timing.total = Date.now() - t0;
        return {
          ...base,
          status: "error",
          resolved: false,
          reason: "test_patch_failed",
          patch_applied_method: applied.method!,
          environment: envInfo,
          timing_ms: timing,
        };
      }
    }
    timing.patch = Date.now() - tPatch;

    const ids = [...t.failToPass, ...t.passToPass];
    // A SWE-bench repository: its spec's script, log parser and time limit, as the official harness
    // runs them. A Multi-SWE-bench task: the whole suite, as its harness runs it (its grading looks
    // at every test that passed with the test patch alone, not only the listed ones).
    const run = env.spec
      ? await runSpecScript(sb, env.spec, t, dir, opts.timeoutMs, env.install ?? [])
      : t.multiSwe
        ? await runWithFramework(sb, { ...env, testSelection: "ids" }, t, [], opts.timeoutMs)
        : await runWithFramework(sb, env, t, ids, opts.timeoutMs);
    const { report, testLog, parse } = run;
    timing.tests = report.durationMs;
    timing.total = Date.now() - t0;
    await writeFile(join(dir, "test_output.txt"), testLog);
    const common = {
      ...base,
      patch_applied_method: applied.method!,
      environment: envInfo,
      test_command: report.command,
      test_exit_code: report.exitCode,
      timing_ms: timing,
      ...(report.counts ? { counts: report.counts } : {}),
    };
    if (t.multiSwe)
      return await gradeMultiSweRun(t, t.multiSwe, dir, testLog, parse, report.timedOut, empty, common);
    const graded = gradeLog({
      log: testLog,
      parse,
      failToPass: t.failToPass,
      passToPass: t.passToPass,
      timedOut: report.timedOut,
    });
    // SWE-bench never runs an empty patch, so it has no report.json to compare with.
    const swe = empty ? null : sweBenchReport(t.instanceId, graded);
    if (swe) await writeFileAtomic(join(dir, SWEBENCH_REPORT_FILE), pythonJson(swe));
    // A timeout, nothing parsed (a crash, a collection error, a missing runner), or a log that
    // contradicts the exit code: never a pass.
    if (graded.status === "error")
      return { ...common, status: "error", resolved: false, reason: graded.reason! };
    const resolved = graded.status === "resolved";
    return {
      ...common,
      status: empty ? "empty_patch" : graded.status,
      resolved: !empty && resolved,
      ...(empty
        ? { reason: resolved ? "empty_patch_tests_pass" : "empty_patch" }
        : resolved
          ? {}
          : { reason: "tests_failed" }),
      tests_status: graded.tests_status,
      resolution: graded.resolution,
    };
  } finally {
    await sb?.close().catch((e) => log.warn({ err: errorMessage(e) }, "eval: sandbox close failed"));
  }
}

/** How many times an infrastructure failure is tried: attempts numbered `first` to `max`. */
export interface GradeAttempts {
  first: number;
  max: number;
}

/**
 * Grades one prediction into its task folder (patch.log, test_output.txt, report.json,
 * fixpoint-report.json, eval.log). An infrastructure failure (the engine restarting, a container
 * killed) is tried again up to `attempts.max` — once more by default; a queue worker asks for
 * one attempt, since the queue retries the job, perhaps on another machine.
 */
export async function gradeIntoTaskDir(
  t: SuiteTask,
  p: Prediction,
  opts: Omit<EvalOptions, "tasks" | "predictions" | "workers" | "log"> & { log?: Logger },
  attempts: GradeAttempts = { first: 1, max: 2 },
): Promise<TaskReport> {
  const dir = join(opts.outDir, taskDirName(t.instanceId));
  await mkdir(dir, { recursive: true });
  // A report.json of an earlier evaluation in this folder must not outlive this one.
  await rm(join(dir, SWEBENCH_REPORT_FILE), { force: true });
  const log = createLogger({ file: join(dir, "eval.log"), pretty: false });
  let report: TaskReport | null = null;
  for (let attempt = attempts.first; !report; attempt++) {
    try {
      report = { ...(await gradeTask(t, p, dir, { ...opts, log }, log)), attempts: attempt };
    } catch (e) {
      const infra = e instanceof InfraError;
      log.error({ err: errorMessage(e), attempt }, "eval: grading failed");
      if (infra && attempt < attempts.max && !opts.signal?.aborted) continue;
      report = {
        instance_id: t.instanceId,
        repo: t.repoName,
        model_name_or_path: p.model_name_or_path,
        status: "error",
        resolved: false,
        reason: infra ? "infra" : e instanceof UsageError ? "bad_task" : "harness",
        error: errorMessage(e).split("\n")[0]!,
        timing_ms: emptyTiming(),
        attempts: attempt,
      };
    }
  }
  await writeFileAtomic(join(dir, TASK_REPORT_FILE), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

/** Grades every prediction that names a task, in parallel up to `workers`. */
export async function evaluatePredictions(opts: EvalOptions): Promise<EvalResult> {
  const byId = new Map(opts.tasks.map((t) => [t.instanceId, t]));
  const unknownPredictions = opts.predictions
    .filter((p) => !byId.has(p.instance_id))
    .map((p) => p.instance_id);
  const limit = pLimit(Math.max(1, opts.workers));
  const reports: TaskReport[] = [];
  const interrupted: string[] = [];
  await Promise.all(
    opts.predictions
      .filter((p) => byId.has(p.instance_id))
      .map((p) =>
        limit(async () => {
          const t = byId.get(p.instance_id)!;
          if (opts.signal?.aborted) {
            interrupted.push(t.instanceId);
            return;
          }
          opts.onTaskStart?.(t.instanceId);
          const report = await gradeIntoTaskDir(t, p, opts);
          if (opts.signal?.aborted) {
            // Interrupted while grading: its sandbox was removed under the tests, so whatever it
            // recorded is no verdict. Nothing stays in its folder for a later run to take as one.
            const dir = join(opts.outDir, taskDirName(t.instanceId));
            await Promise.all(
              [TASK_REPORT_FILE, SWEBENCH_REPORT_FILE].map((f) => rm(join(dir, f), { force: true })),
            );
            interrupted.push(t.instanceId);
            return;
          }
          reports.push(report);
          opts.onTaskDone?.(report);
        }),
      ),
  );
  return { reports, unknownPredictions, interrupted };
}
