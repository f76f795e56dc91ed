import { shellQuote } from "../common/index.js";
import type { Sandbox } from "../sandbox/index.js";
import { testFileOf } from "./compare.js";
import { DETECTION_SIGNALS, detectionFor, detectTestFramework, selectionCommand } from "./detect.js";
import {
  type Framework,
  frameworkFromCommand,
  frameworkFromOutput,
  PARSERS,
  resolveFramework,
} from "./parse.js";
import type { TestCaseResult, TestRunReport } from "./types.js";

export interface RunTestsOptions {
  /** A configured test command (task, config `test_command`, `--test-cmd`); else detection. */
  command?: string;
  /** Run only these test ids (framework syntax); empty or absent = the whole suite. */
  tests?: string[];
  timeoutMs?: number;
  /** Framework name: picks the parser (and, without `command`, the command). */
  framework?: string;
  /**
   * A command already resolved by `resolveTestCommand` (skips detection; `command` and
   * `framework` are then ignored), so that several trees run exactly the same command.
   */
  plan?: TestPlan;
  /** Run in this directory of the sandbox (absolute) instead of the checkout root; names are relative to it. */
  cwd?: string;
  env?: Record<string, string>;
}

/** Exit code of a report for "no test command": what a shell says for a missing command. */
export const NO_FRAMEWORK_EXIT_CODE = 127;

export const DEFAULT_TEST_TIMEOUT_MS = 15 * 60_000;

/** Text for the model/user when there is nothing to run. */
export function noFrameworkMessage(): string {
  const lines = [
    "No test framework detected and no test command configured.",
    "Looked for:",
    ...DETECTION_SIGNALS.map((s) => `  - ${s.framework}: ${s.signals}`),
    "Configure one of:",
    "  - `test_command: <command>` in fixpoint.config.yaml",
    "  - `test_command: <command>` in the repository's .fixpoint/env.yaml recipe",
    "  - `--test-cmd '<command>'` on the command line",
  ];
  return lines.join("\n");
}

/** A resolved test command: how to run the whole suite, how to run some tests, how to read it. */
export interface TestPlan {
  command: string;
  /** Picks the parser; absent when the command is not one we recognise (the output decides). */
  framework?: Framework;
  commandFor(tests: string[]): string;
  /** What chose it (a file, a dependency, "configured"). */
  evidence: string;
}

/**
 * The test command a run will use, resolved once: the configured command (its framework named or
 * guessed from the command line) or the detected framework's. Null when there is none. Passing
 * it to `runTests` as `plan` runs the same command in any tree (the checkout, a pristine copy).
 */
export async function resolveTestCommand(
  sandbox: Sandbox,
  options: { command?: string; framework?: string } = {},
): Promise<TestPlan | null> {
  const named = options.framework ? resolveFramework(options.framework) : undefined;
  const command = options.command?.trim();
  if (command) {
    const framework = named ?? frameworkFromCommand(command);
    return {
      ...(framework ? { framework } : {}),
      command,
      commandFor: (tests) => (tests.length ? selectionCommand(framework, command, tests) : command),
      evidence: "configured",
    };
  }
  if (named) return detectionFor(named) ?? null;
  return detectTestFramework(sandbox);
}

export function countResults(tests: TestCaseResult[]): NonNullable<TestRunReport["counts"]> {
  const counts = { passed: 0, failed: 0, skipped: 0, error: 0 };
  for (const t of tests) counts[t.status]++;
  return counts;
}

/**
 * Runs the tests in the sandbox from the checkout root and parses per-test results. The command
 * is `options.command` (with `options.tests` appended) or the detected framework's. A run that
 * produced no parsable results keeps `tests` undefined: callers must treat that as "unknown",
 * never as a pass. Never throws for a failing run; sandbox failures propagate.
 */
export async function runTests(sandbox: Sandbox, options: RunTestsOptions = {}): Promise<TestRunReport> {
  const started = Date.now();
  const tests = options.tests?.filter((t) => t.trim()) ?? [];
  const plan = options.plan;
  const named = plan ? plan.framework : options.framework ? resolveFramework(options.framework) : undefined;
  let detection: TestPlan | null | undefined = plan ?? (named ? detectionFor(named) : undefined);
  if (!plan && options.framework && !named) {
    return {
      command: options.command ?? "",
      exitCode: 2,
      timedOut: false,
      durationMs: 0,
      output: `Unknown test framework "${options.framework}". Known: ${Object.keys(PARSERS).join(", ")}.`,
    };
  }
  let command = plan ? undefined : options.command?.trim();
  if (!command) {
    detection ??= await detectTestFramework(sandbox);
    if (!detection) {
      return {
        command: "",
        exitCode: NO_FRAMEWORK_EXIT_CODE,
        timedOut: false,
        durationMs: Date.now() - started,
        output: noFrameworkMessage(),
      };
    }
    command = tests.length ? detection.commandFor(tests) : detection.command;
  } else if (tests.length) {
    command = selectionCommand(named ?? frameworkFromCommand(command), command, tests);
  }

  const cwd = options.cwd ?? sandbox.root;
  const res = await sandbox.execOnce(command, {
    cwd,
    timeoutMs: options.timeoutMs ?? DEFAULT_TEST_TIMEOUT_MS,
    ...(options.env ? { env: options.env } : {}),
  });
  const output = res.stderr ? (res.stdout ? `${res.stdout}\n${res.stderr}` : res.stderr) : res.stdout;
  const framework: Framework | undefined =
    named ?? detection?.framework ?? frameworkFromCommand(command) ?? frameworkFromOutput(output);
  const report: TestRunReport = {
    command,
    exitCode: res.exitCode,
    timedOut: res.timedOut,
    durationMs: res.durationMs ?? Date.now() - started,
    output,
  };
  if (!framework) return report;
  report.framework = framework;
  const parser = PARSERS[framework];
  let parsed: TestCaseResult[] = [];
  try {
    parsed = parser(output, { root: cwd });
  } catch {
    // A parser bug must not lose the run: the raw output is still in the report.
    parsed = [];
  }
  if (parsed.length) {
    report.tests = parsed;
    report.counts = countResults(parsed);
  }
  return report;
}

/**
 * Runs a selection of tests (ids or files). When the runner reads nothing at all — pytest stops
 * before running anything when one named id does not exist in this tree (a test added since the
 * base commit, one renamed) — the files of the selection that exist in the tree run instead:
 * their results hold every selected test that exists. The report says so in its notes.
 */
export async function runSelection(
  sandbox: Sandbox,
  options: RunTestsOptions & { tests: string[] },
): Promise<TestRunReport> {
  const first = await runTests(sandbox, options);
  if (first.tests || first.timedOut || !options.tests.length) return first;
  const files = [...new Set(options.tests.map(testFileOf))];
  const script = `for f in "$@"; do [ -e "$f" ] && printf '%s\\n' "$f"; done; true`;
  const listed = await sandbox.execOnce(
    `bash -c ${shellQuote(script)} fixpoint-exists ${files.map(shellQuote).join(" ")}`,
    { cwd: options.cwd ?? sandbox.root, timeoutMs: 60_000 },
  );
  const existing = listed.stdout.split("\n").filter(Boolean);
  if (
    !existing.length ||
    (existing.length === options.tests.length && existing.every((f, i) => f === options.tests[i]))
  )
    return first;
  const second = await runTests(sandbox, { ...options, tests: existing });
  const note = `The selection could not run as named (exit code ${first.exitCode}, nothing read); its ${existing.length} test file(s) ran instead.`;
  return {
    ...second,
    durationMs: first.durationMs + second.durationMs,
    notes: [...(second.notes ?? []), note],
  };
}
