/**
 * SWE-bench's test specs as data: `environments/swebench/<owner>__<name>.yaml` says, per task
 * version, how SWE-bench's harness runs a repository's tests — the command, how the test patch's
 * files become its arguments ("directives"), which of SWE-bench's log parsers reads the output,
 * environment variables and commands run first, and the time limit. `evalScript` turns a spec
 * into the bash script that runs the tests between SWE-bench's output markers.
 *
 * The facts come from github.com/SWE-bench/SWE-bench (b8d53321, swebench/harness/constants/python.py,
 * test_spec/python.py, log_parsers/python.py); the exit-code marker from its later harness
 * (constants/__init__.py and utils.py at 7a21e05). Each YAML file cites its sources.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";
import { z } from "zod";
import { describeZodError, errorMessage, shellQuote, UsageError } from "../common/index.js";
import { summarizePatch } from "../vcs/index.js";
import { MARKERS } from "./grade.js";
import { isTestDirective } from "./patch.js";

/** Beside dist/ as beside src/ (both two levels below the package root, which ships environments/). */
export const BUILTIN_SPECS_DIR = fileURLToPath(new URL("../../environments/swebench/", import.meta.url));

/** SWE-bench's parse_log_* functions by name without the prefix; its per-repository aliases are mapped to these. */
export const SWE_LOG_PARSERS = [
  "pytest",
  "pytest_options",
  "pytest_v2",
  "django",
  "sympy",
  "seaborn",
  "matplotlib",
] as const;
export type SweLogParser = (typeof SWE_LOG_PARSERS)[number];

/** How the test patch's files become test arguments: file paths, or django's dotted labels. */
export type SweDirectiveStyle = "pytest" | "django" | "sympy";

/** The markers the script prints around the test output (grade.ts reads them back). */
export const SWEBENCH_MARKERS = {
  start: MARKERS.startTestOutput,
  end: MARKERS.endTestOutput,
  exitCode: MARKERS.testExitCode,
} as const;

const REPO_RE = /^[\w.-]+\/[\w.-]+$/;

/** A map whose keys must match `re`; checked here rather than by a key schema, whose message zod v4 drops. */
function keyedBy<V extends z.ZodType>(re: RegExp, message: string, value: V) {
  return z.record(z.string(), value).superRefine((map, ctx) => {
    for (const k of Object.keys(map)) if (!re.test(k)) ctx.addIssue({ code: "custom", path: [k], message });
  });
}

const specFields = {
  /** The command, without directives; run from the checkout's root. */
  test_command: z.string().min(1),
  directives: z.enum(["pytest", "django", "sympy"]),
  log_parser: z.enum(SWE_LOG_PARSERS),
  env: keyedBy(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name", z.string()),
  /** Shell commands run, in order, after env is exported and before the test command. */
  pre_test: z.array(z.string().min(1)),
  timeout_s: z.number().int().positive(),
};

export const SweSpecFileSchema = z
  .object({
    repo: z.string().regex(REPO_RE, "must be owner/name"),
    defaults: z
      .object({
        ...specFields,
        env: specFields.env.default({}),
        pre_test: specFields.pre_test.default([]),
        // SWE-bench's run_evaluation.py --timeout default.
        timeout_s: specFields.timeout_s.default(1800),
      })
      .strict(),
    // A version's fields replace the defaults' whole, env and pre_test included.
    versions: keyedBy(
      /^v?\d+(\.\d+)*$/,
      "must be a version such as 3.2",
      z.object(specFields).partial().strict(),
    ),
  })
  .strict();
export type SweSpecFile = z.infer<typeof SweSpecFileSchema>;

export interface SweTestSpec {
  repo: string;
  /** As asked for ("" when none was). */
  version: string;
  testCommand: string;
  directiveStyle: SweDirectiveStyle;
  logParser: SweLogParser;
  env: Record<string, string>;
  preTest: string[];
  timeoutS: number;
  specPath: string;
  /** False when SWE-bench's table has no such version: the defaults are used, and callers should warn. */
  versionKnown: boolean;
}

export function parseSweSpecFile(text: string, where: string): SweSpecFile {
  const doc = YAML.parseDocument(text);
  const bad = doc.errors[0];
  if (bad) throw new UsageError(`${where}: not valid YAML: ${bad.message.split("\n")[0]}`);
  // An unquoted 1.10 is the number 1.1 by the time zod sees it: catch it while the source is known.
  const versions = doc.get("versions", true);
  if (YAML.isMap(versions)) {
    for (const { key } of versions.items) {
      if (YAML.isScalar(key) && typeof key.value !== "string") {
        const written = key.source ?? String(key.value);
        throw new UsageError(
          `${where}: versions: key ${written} must be quoted ("${written}"); unquoted, YAML reads it as ${String(key.value)}`,
        );
      }
    }
  }
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (e) {
    throw new UsageError(`${where}: not valid YAML: ${errorMessage(e).split("\n")[0]}`);
  }
  const r = SweSpecFileSchema.safeParse(data ?? {});
  if (!r.success) throw new UsageError(describeZodError(where, r.error.issues));
  return r.data;
}

export function loadSweSpecFile(path: string): SweSpecFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read test spec ${path}: ${errorMessage(e)}`);
  }
  return parseSweSpecFile(text, path);
}

/**
 * SWE-bench's test spec for OWNER/NAME at `version`: null when `dir` has no file for the
 * repository; the defaults with `versionKnown: false` when the file does not list the version.
 */
export function findSweTestSpec(
  repoName: string,
  version: string | undefined,
  dir = BUILTIN_SPECS_DIR,
): SweTestSpec | null {
  if (!REPO_RE.test(repoName)) return null;
  const specPath = join(dir, `${repoName.replace("/", "__")}.yaml`);
  if (!existsSync(specPath)) return null;
  const file = loadSweSpecFile(specPath);
  if (file.repo !== repoName) {
    throw new UsageError(`${specPath}: repo: is ${file.repo}, but the file is named for ${repoName}`);
  }
  const own =
    version !== undefined && Object.hasOwn(file.versions, version) ? file.versions[version] : undefined;
  const s = { ...file.defaults, ...own };
  return {
    repo: repoName,
    version: version ?? "",
    testCommand: s.test_command,
    directiveStyle: s.directives,
    logParser: s.log_parser,
    env: { ...s.env },
    preTest: [...s.pre_test],
    timeoutS: s.timeout_s,
    specPath,
    versionKnown: own !== undefined,
  };
}

/**
 * The test arguments SWE-bench derives from a test patch (its get_test_directives): every file
 * the patch writes, in patch order, but data files; for django, as runtests.py labels —
 * `tests/` dropped, `.py` dropped, slashes made dots. Sympy's bin/test, like pytest, takes paths.
 */
export function testDirectivesFor(spec: SweTestSpec, testPatch: string): string[] {
  // The path each file has after the patch: SWE-bench reads the `b/` side of each `diff --git`
  // header, so a rename counts under its new name only (patchedFiles would add the old one).
  const files = summarizePatch(testPatch)
    .map((f) => f.path)
    .filter(isTestDirective);
  if (spec.directiveStyle !== "django") return files;
  // As SWE-bench does, even for a file that is no module (a template): its label then fails to
  // load, and the tests it would have run are missing from the log either way.
  return files.map((f) =>
    f
      .replace(/\.py$/, "")
      .replace(/^tests\//, "")
      .replaceAll("/", "."),
  );
}

/**
 * The bash script that runs `spec`'s tests on `directives` in the current directory (the
 * checkout): environment, pre-test commands, then the test command between SWE-bench's start and
 * end markers, then its exit code under the exit-code marker. It exits 0 whatever the tests do:
 * the log says how they went. Applying the test patch is the caller's business.
 */
/**
 * What runs before the test command, in SWE-bench's order: its images keep the repository's
 * Python in the conda environment testbed (elsewhere the Python on PATH runs the tests), then
 * the spec's variables and pre-test commands.
 */
function setupLines(spec: SweTestSpec): string[] {
  return [
    "if [ -f /opt/miniconda3/bin/activate ]; then source /opt/miniconda3/bin/activate && conda activate testbed; fi",
    ...Object.entries(spec.env).map(([k, v]) => `export ${k}=${shellQuote(v)}`),
    ...spec.preTest,
  ];
}

/**
 * The spec as one test command for the agent's run_tests and its gate, which append test
 * arguments: the setup joined before the test command, so the arguments reach the test command.
 */
export function specTestCommand(spec: SweTestSpec): string {
  return [...setupLines(spec), spec.testCommand].join("; ");
}

/**
 * The parser fixpoint's testing module reads the spec's output with, for the agent's gate
 * (grading itself uses SWE-bench's own log parsers): the pytest family reads with pytest,
 * django's runner prints unittest's lines, sympy's bin/test has its own.
 */
export function specFramework(spec: SweTestSpec): string {
  if (spec.logParser === "django") return "unittest";
  if (spec.logParser === "sympy") return "sympy";
  return "pytest";
}

export function evalScript(spec: SweTestSpec, directives: string[], install: string[] = []): string {
  const label = `${spec.repo} ${spec.version || "(no version)"}`.replace(/[^\w./ ()-]/g, "?");
  return [
    "#!/bin/bash",
    `# SWE-bench's test run for ${label}, from ${spec.specPath.replace(/[\r\n]/g, "?")}.`,
    "# No `set -e`, as in SWE-bench's script: a failing pre-test step (a locale that cannot be",
    "# generated without root) does not keep the tests from running.",
    "# One stream, so that the markers bracket the test output in the order it was printed.",
    "exec 2>&1",
    ...setupLines(spec),
    // The local recipe's install step (building C extensions in place…), where SWE-bench's
    // script re-runs its own install command before the tests.
    ...install,
    `echo ${shellQuote(SWEBENCH_MARKERS.start)}`,
    [spec.testCommand, ...directives.map(shellQuote)].join(" "),
    "fixpoint_test_exit=$?",
    `echo ${shellQuote(SWEBENCH_MARKERS.end)}`,
    // After the end marker, as SWE-bench's harness writes it: outside the output the parsers read.
    `echo "${SWEBENCH_MARKERS.exitCode}: $fixpoint_test_exit"`,
    "exit 0",
    "",
  ].join("\n");
}
