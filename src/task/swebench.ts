/**
 * SWE-bench-style task files: SWE-bench (and SWE-bench Lite/Verified), Multi-SWE-bench and
 * SWE-PolyBench records, as a JSON list or JSONL. Every record is validated on its own; a bad one
 * is reported with its line (JSONL) or index (JSON list) and skipped, and the rest load.
 *
 * fixpoint's fixture suite uses the SWE-bench record plus optional fields of ours:
 * `repo_path` (a local git repository, absolute or relative to the task file), `image`,
 * `test_command`, `language` and `script` (a scripted model's turns for this task).
 */
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { describeZodError, errorMessage, UsageError } from "../common/index.js";
import type { Task } from "./types.js";

export type TaskFormat = "swe-bench" | "multi-swe-bench" | "swe-polybench";

/** A task of a suite: the agent's `Task` plus what grading needs. */
export interface SuiteTask {
  instanceId: string;
  /** OWNER/NAME. */
  repoName: string;
  format: TaskFormat;
  task: Task;
  baseCommit: string;
  goldPatch: string;
  testPatch: string;
  failToPass: string[];
  passToPass: string[];
  version?: string;
  environmentSetupCommit?: string;
  /** Docker image to run this task in (fixpoint field, or SWE-PolyBench's per-task image). */
  image?: string;
  /** Test command run from the checkout root (fixpoint field, SWE-PolyBench `test_command`). */
  testCommand?: string;
  language?: string;
  /** Absolute path of a scripted model's turns for this task (fixture suites). */
  script?: string;
  /** Absolute path of a local git repository holding the task's repository. */
  repoPath?: string;
  /** Multi-SWE-bench's official per-test results, which its grading compares a run against. */
  multiSwe?: MultiSweExpectation;
}

/** A test's status in Multi-SWE-bench's results (a test absent from a run is NONE). */
export type MultiSweStatus = "PASS" | "FAIL" | "SKIP" | "NONE";

/** One run's results as Multi-SWE-bench records them (`run_result`, `test_patch_result`, …). */
export interface MultiSweTestResult {
  passed_tests: string[];
  failed_tests: string[];
  skipped_tests: string[];
}

/**
 * What a Multi-SWE-bench record says about its tests: the official runs at the base commit
 * (`run_result`) and with the test patch alone (`test_patch_result`), and the tests by
 * transition from the test-patch run to the gold run (each `{run, test, fix}`).
 */
export interface MultiSweExpectation {
  runResult: MultiSweTestResult;
  testPatchResult: MultiSweTestResult;
  /** Of the gold run, for comparing a gold run here test by test. */
  fixPatchResult: MultiSweTestResult;
  f2p: string[];
  p2p: string[];
  s2p: string[];
  n2p: string[];
}

export interface TaskRecordError {
  /** `line 7` (JSONL) or `index 3` (JSON list). */
  where: string;
  message: string;
}

export interface LoadedTasks {
  tasks: SuiteTask[];
  errors: TaskRecordError[];
  /** How many records the file held (good and bad). */
  records: number;
}

/** A list of test names: a JSON array, or a string holding one (as in SWE-bench's files). */
const TestList = z.preprocess((v) => {
  if (typeof v !== "string") return v;
  const s = v.trim();
  if (s === "") return [];
  try {
    return JSON.parse(s);
  } catch {
    return v;
  }
}, z.array(z.string()));

const RepoName = z.string().regex(/^[\w.-]+\/[\w.-]+$/, "must be OWNER/NAME");
const Sha = z.string().regex(/^[0-9a-f]{7,64}$/i, "must be a commit sha");

/** Fields of ours that any format may carry. */
const FixpointExtras = {
  repo_path: z.string().min(1).optional(),
  image: z.string().min(1).optional(),
  test_command: z.string().min(1).optional(),
  language: z.string().min(1).optional(),
  script: z.string().min(1).optional(),
};

const SweBenchRecord = z.object({
  repo: RepoName,
  instance_id: z.string().regex(/^[\w.+-]+$/, "must be letters, digits and ._+-"),
  base_commit: Sha,
  problem_statement: z.string(),
  hints_text: z.string().nullish(),
  patch: z.string().default(""),
  test_patch: z.string().default(""),
  FAIL_TO_PASS: TestList.default([]),
  PASS_TO_PASS: TestList.default([]),
  version: z.union([z.string(), z.number()]).transform(String).optional(),
  environment_setup_commit: z.string().nullish(),
  ...FixpointExtras,
});

/** SWE-PolyBench: SWE-bench's fields with F2P/P2P, a language, a test command and a Dockerfile. */
const PolyBenchRecord = z.object({
  repo: RepoName,
  instance_id: z.string().regex(/^[\w.+-]+$/, "must be letters, digits and ._+-"),
  base_commit: Sha,
  problem_statement: z.string(),
  patch: z.string().default(""),
  test_patch: z.string().default(""),
  F2P: TestList.default([]),
  P2P: TestList.default([]),
  language: z.string().optional(),
  test_command: z.string().optional(),
  Dockerfile: z.string().optional(),
  image: z.string().min(1).optional(),
  repo_path: z.string().min(1).optional(),
  script: z.string().min(1).optional(),
});

/** Multi-SWE-bench: org + repo + PR number, base.sha, resolved_issues, fix_patch, tests as maps. */
const TestMap = z.preprocess(
  (v) => (typeof v === "string" ? JSON.parse(v) : v),
  z.union([z.record(z.string(), z.unknown()), z.array(z.string())]),
);
const EMPTY_RESULT = { passed_tests: [], failed_tests: [], skipped_tests: [] };
const MultiSweResult = z.preprocess(
  (v) => (typeof v === "string" ? JSON.parse(v) : v),
  z.object({
    passed_tests: z.array(z.string()).default([]),
    failed_tests: z.array(z.string()).default([]),
    skipped_tests: z.array(z.string()).default([]),
  }),
);
const MultiSweRecord = z.object({
  org: z.string().min(1),
  repo: z.string().min(1),
  number: z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]),
  instance_id: z.string().optional(),
  base: z.object({ sha: Sha, ref: z.string().optional(), label: z.string().optional() }),
  resolved_issues: z
    .array(
      z.object({ number: z.number().optional(), title: z.string().nullish(), body: z.string().nullish() }),
    )
    .default([]),
  title: z.string().nullish(),
  body: z.string().nullish(),
  fix_patch: z.string().default(""),
  test_patch: z.string().default(""),
  f2p_tests: TestMap.default({}),
  p2p_tests: TestMap.default({}),
  s2p_tests: TestMap.default({}),
  n2p_tests: TestMap.default({}),
  run_result: MultiSweResult.default(EMPTY_RESULT),
  test_patch_result: MultiSweResult.default(EMPTY_RESULT),
  fix_patch_result: MultiSweResult.default(EMPTY_RESULT),
  ...FixpointExtras,
});

function names(m: Record<string, unknown> | string[]): string[] {
  return Array.isArray(m) ? m : Object.keys(m);
}

function detectFormat(rec: Record<string, unknown>): TaskFormat {
  if ("org" in rec && "fix_patch" in rec) return "multi-swe-bench";
  if ("F2P" in rec || "Dockerfile" in rec) return "swe-polybench";
  return "swe-bench";
}

function absolutize(p: string | undefined, baseDir: string): string | undefined {
  if (!p) return undefined;
  return isAbsolute(p) ? p : resolve(baseDir, p);
}

/** The fields fixpoint adds to any record format (image, test command, language, script, local repo). */
interface OurFields {
  image?: string | null | undefined;
  test_command?: string | null | undefined;
  language?: string | null | undefined;
  script?: string | null | undefined;
  repo_path?: string | null | undefined;
}

function ourFields(d: OurFields, baseDir: string) {
  const repoPath = absolutize(d.repo_path ?? undefined, baseDir);
  return {
    ...(d.image ? { image: d.image } : {}),
    ...(d.test_command ? { testCommand: d.test_command } : {}),
    ...(d.language ? { language: d.language } : {}),
    ...(d.script ? { script: absolutize(d.script, baseDir)! } : {}),
    ...(repoPath ? { repoPath } : {}),
  };
}

function build(
  fields: Omit<SuiteTask, "task"> & { problem: string; hints?: string | null | undefined; origin: string },
): SuiteTask {
  const { problem, hints, origin, ...rest } = fields;
  const task: Task = {
    id: rest.instanceId,
    repo: rest.repoPath
      ? { kind: "local", path: rest.repoPath }
      : { kind: "url", url: `https://github.com/${rest.repoName}.git` },
    baseCommit: rest.baseCommit,
    problemStatement: problem,
    ...(hints ? { hints } : {}),
    tests: {
      failToPass: rest.failToPass,
      passToPass: rest.passToPass,
      ...(rest.testCommand ? { command: rest.testCommand } : {}),
    },
    ...(rest.image || rest.testCommand
      ? {
          environment: {
            ...(rest.image ? { image: rest.image } : {}),
            ...(rest.testCommand ? { testCommand: rest.testCommand } : {}),
          },
        }
      : {}),
    origin,
    repoName: rest.repoName,
  };
  return { ...rest, task };
}

/** Validates one record; throws a one-line message naming the field. */
export function parseTaskRecord(raw: unknown, origin: string, baseDir: string): SuiteTask {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new Error("not a JSON object");
  const rec = raw as Record<string, unknown>;
  const format = detectFormat(rec);
  const fail = (issues: z.core.$ZodIssue[]) => {
    const id = typeof rec.instance_id === "string" ? ` (${rec.instance_id})` : "";
    throw new Error(describeZodError(`${format} record${id}`, issues));
  };
  if (format === "multi-swe-bench") {
    const r = MultiSweRecord.safeParse(rec);
    if (!r.success) return fail(r.error.issues);
    const d = r.data;
    const issues = d.resolved_issues
      .map((i) => [i.title, i.body].filter(Boolean).join("\n\n"))
      .filter((s) => s.trim());
    const problem = issues.length
      ? issues.join("\n\n---\n\n")
      : [d.title, d.body].filter(Boolean).join("\n\n");
    return build({
      instanceId: d.instance_id ?? `${d.org}__${d.repo}-${d.number}`,
      repoName: `${d.org}/${d.repo}`,
      format,
      baseCommit: d.base.sha,
      goldPatch: d.fix_patch,
      testPatch: d.test_patch,
      // Tests that were skipped or absent before the fix and pass after it count as fail-to-pass.
      failToPass: [...new Set([...names(d.f2p_tests), ...names(d.s2p_tests), ...names(d.n2p_tests)])],
      passToPass: names(d.p2p_tests),
      multiSwe: {
        runResult: d.run_result,
        testPatchResult: d.test_patch_result,
        fixPatchResult: d.fix_patch_result,
        f2p: names(d.f2p_tests),
        p2p: names(d.p2p_tests),
        s2p: names(d.s2p_tests),
        n2p: names(d.n2p_tests),
      },
      ...ourFields(d, baseDir),
      problem,
      origin,
    });
  }
  if (format === "swe-polybench") {
    const r = PolyBenchRecord.safeParse(rec);
    if (!r.success) return fail(r.error.issues);
    const d = r.data;
    return build({
      instanceId: d.instance_id,
      repoName: d.repo,
      format,
      baseCommit: d.base_commit,
      goldPatch: d.patch,
      testPatch: d.test_patch,
      failToPass: d.F2P,
      passToPass: d.P2P,
      ...ourFields(d, baseDir),
      problem: d.problem_statement,
      origin,
    });
  }
  const r = SweBenchRecord.safeParse(rec);
  if (!r.success) return fail(r.error.issues);
  const d = r.data;
  return build({
    instanceId: d.instance_id,
    repoName: d.repo,
    format,
    baseCommit: d.base_commit,
    goldPatch: d.patch,
    testPatch: d.test_patch,
    failToPass: d.FAIL_TO_PASS,
    passToPass: d.PASS_TO_PASS,
    ...(d.version ? { version: d.version } : {}),
    ...(d.environment_setup_commit ? { environmentSetupCommit: d.environment_setup_commit } : {}),
    ...ourFields(d, baseDir),
    problem: d.problem_statement,
    hints: d.hints_text,
    origin,
  });
}

/**
 * Parses a task file's text: a JSON list (`[ … ]`) or JSONL (one record per line; blank lines
 * ignored). A file that is neither is a UsageError; bad records are collected in `errors`.
 * Relative `repo_path` and `script` fields are resolved against `baseDir`.
 */
export function parseTaskFile(text: string, source: string, baseDir: string): LoadedTasks {
  const out: LoadedTasks = { tasks: [], errors: [], records: 0 };
  const seen = new Set<string>();
  const add = (raw: unknown, where: string) => {
    out.records++;
    try {
      const t = parseTaskRecord(raw, `${source}:${where.replace(" ", "")}`, baseDir);
      if (seen.has(t.instanceId)) throw new Error(`duplicate instance_id ${t.instanceId}`);
      seen.add(t.instanceId);
      out.tasks.push(t);
    } catch (e) {
      out.errors.push({ where, message: errorMessage(e).split("\n")[0]! });
    }
  };
  const trimmed = text.trimStart();
  if (trimmed.startsWith("[")) {
    let list: unknown;
    try {
      list = JSON.parse(text);
    } catch (e) {
      throw new UsageError(`${source}: not valid JSON: ${errorMessage(e)}`);
    }
    (list as unknown[]).forEach((raw, i) => {
      add(raw, `index ${i}`);
    });
    return out;
  }
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (e) {
      out.records++;
      out.errors.push({ where: `line ${i + 1}`, message: `not valid JSON: ${errorMessage(e)}` });
      return;
    }
    add(raw, `line ${i + 1}`);
  });
  if (out.records === 0) throw new UsageError(`${source}: no task records`);
  return out;
}

/** Reads a task file (JSON list or JSONL). UsageError when it cannot be read or holds nothing. */
export function loadTaskFile(path: string): LoadedTasks {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read task file ${path}: ${errorMessage(e)}`);
  }
  return parseTaskFile(text, path, dirname(resolve(path)));
}

/**
 * Keeps the tasks named by `spec`: a comma-separated list of instance ids, or a regular
 * expression (`/…/` or anything with regex characters) matched against the ids.
 */
export function selectTasks<T extends { instanceId: string }>(tasks: T[], spec: string | undefined): T[] {
  if (!spec?.trim()) return tasks;
  const s = spec.trim();
  const slashed = /^\/(.*)\/([a-z]*)$/.exec(s);
  if (slashed || /[*^$|()[\]\\?+]/.test(s)) {
    let re: RegExp;
    try {
      re = slashed ? new RegExp(slashed[1]!, slashed[2]) : new RegExp(s);
    } catch (e) {
      throw new UsageError(`--instances: not a valid regular expression: ${errorMessage(e)}`);
    }
    return tasks.filter((t) => re.test(t.instanceId));
  }
  const ids = new Set(
    s
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean),
  );
  const known = new Set(tasks.map((t) => t.instanceId));
  const unknown = [...ids].filter((id) => !known.has(id));
  if (unknown.length) throw new UsageError(`--instances: unknown instance id(s): ${unknown.join(", ")}`);
  return tasks.filter((t) => ids.has(t.instanceId));
}
