import type { Sandbox } from "../sandbox/index.js";
import {
  DETECTION_SIGNALS,
  type Detection,
  detectionFor,
  detectTestFramework,
  selectionCommand,
} from "./detect.js";
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
  const named = options.framework ? resolveFramework(options.framework) : undefined;
  let detection: Detection | null | undefined = named ? detectionFor(named) : undefined;
  if (options.framework && !named) {
    return {
      command: options.command ?? "",
      exitCode: 2,
      timedOut: false,
      durationMs: 0,
      output: `Unknown test framework "${options.framework}". Known: ${Object.keys(PARSERS).join(", ")}.`,
    };
  }
  let command = options.command?.trim();
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

  const res = await sandbox.execOnce(command, {
    cwd: sandbox.root,
    timeoutMs: options.timeoutMs ?? DEFAULT_TEST_TIMEOUT_MS,
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
    parsed = parser(output, { root: sandbox.root });
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
