/**
 * One list of secrets (src/log/secrets.ts): every variable the logger redacts is missing from a
 * local sandbox's environment, and every variable missing from it is one the logger redacts.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createLogger,
  isSecretEnvName,
  registerEnvSecrets,
  registerSecret,
  withoutSecrets,
} from "../../src/log/index.js";
import { createLocalSandbox } from "../../src/sandbox/index.js";
import { makeRepo } from "./helpers.js";

/** Variables named like secrets. */
const SECRET_NAMES = [
  "ANTHROPIC_API_KEY",
  "OPENAI_API_KEY",
  "GITHUB_TOKEN",
  "GH_TOKEN",
  "FP_TEST_AWS_SECRET_ACCESS_KEY",
  "FP_TEST_AWS_ACCESS_KEY_ID",
  "FP_TEST_PGPASSWORD",
  "FP_TEST_CLIENT_SECRET",
];
/** Variables that are not, by name. */
const PLAIN_NAMES = ["FP_TEST_PLAIN", "FP_TEST_MAX_TOKENS", "FP_TEST_SECRETARY", "FP_TEST_KEY_FILE"];
/** Named plainly, but holding a registered secret (the Action exports its api-key input under any name). */
const REGISTERED_NAME = "FP_TEST_MODEL_KEY";

const ALL = [...SECRET_NAMES, ...PLAIN_NAMES, REGISTERED_NAME];
const valueFor = (name: string) => `fp-value-${name.toLowerCase().replaceAll("_", "-")}-7f3a`;

const saved = new Map<string, string | undefined>();
let dir: string;
let repo: ReturnType<typeof makeRepo>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "fixpoint-secrets-"));
  repo = makeRepo();
  for (const name of ALL) {
    saved.set(name, process.env[name]);
    process.env[name] = valueFor(name);
  }
  registerEnvSecrets();
  registerSecret(valueFor(REGISTERED_NAME));
});

afterAll(() => {
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  rmSync(dir, { recursive: true, force: true });
  rmSync(repo.path, { recursive: true, force: true });
});

/** The variables whose values the logger let through, logged as fields, in a message and in an error. */
function seenInLog(): Set<string> {
  const file = join(dir, "run.log");
  const log = createLogger({ file, pretty: false });
  const values = Object.fromEntries(ALL.map((n) => [n, valueFor(n)]));
  log.info({ env: values }, "environment");
  log.info(`values: ${ALL.map(valueFor).join(" ")}`);
  log.warn({ err: new Error(`failed with ${ALL.map(valueFor).join(",")}`) }, "error");
  const text = readFileSync(file, "utf8");
  return new Set(ALL.filter((n) => text.includes(valueFor(n))));
}

describe("one list of secrets", () => {
  it("names: the secret-looking ones and only those", () => {
    for (const n of SECRET_NAMES) expect(isSecretEnvName(n), n).toBe(true);
    for (const n of [...PLAIN_NAMES, REGISTERED_NAME]) expect(isSecretEnvName(n), n).toBe(false);
  });

  it("a variable the logger redacts is stripped from a local sandbox's environment, and vice versa", async () => {
    const logged = seenInLog();
    const sb = await createLocalSandbox({ repoPath: repo.path });
    try {
      const shell = (await sb.exec("env")).stdout;
      const once = (await sb.execOnce("env")).stdout;
      for (const name of ALL) {
        const redacted = !logged.has(name);
        const inShell = shell.includes(`${name}=`);
        const inOnce = once.includes(`${name}=`);
        expect(inShell, name).toBe(inOnce);
        expect(!inShell, `${name}: stripped from the sandbox iff redacted by the logger`).toBe(redacted);
        expect(redacted, name).toBe(name !== REGISTERED_NAME ? isSecretEnvName(name) : true);
      }
      // Plain variables do reach the sandbox, with their values.
      for (const name of PLAIN_NAMES) expect(shell).toContain(`${name}=${valueFor(name)}`);
    } finally {
      await sb.close();
    }
  });

  it("withoutSecrets drops exactly what the logger treats as secret", () => {
    const env = Object.fromEntries(ALL.map((n) => [n, valueFor(n)]));
    expect(Object.keys(withoutSecrets(env)).sort()).toEqual([...PLAIN_NAMES].sort());
  });
});
