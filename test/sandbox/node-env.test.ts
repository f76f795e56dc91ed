/**
 * Node environment images on a real engine: behind this machine's TLS-intercepting proxy, an npm
 * install in an image build works only because the build trusts the host's extra CAs; a commit
 * whose engines.node excludes the image's Node gets the Node it asks for, from the npm registry;
 * a commit that asks for nothing special keeps the image's Node.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildEnvironmentImage, createDockerSandbox } from "../../src/sandbox/index.js";
import { BASE_IMAGE, dockerUp, pythonImage } from "./docker-env.js";
import { git } from "./helpers.js";

const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

function project(name: string, pkg: object, extra: Record<string, string> = {}): string {
  const path = join(mkdtempSync(join(tmpdir(), "fixpoint-node-env-")), name);
  made.push(join(path, ".."));
  mkdirSync(path);
  git(path, "init", "-q", "-b", "main");
  writeFileSync(join(path, "package.json"), JSON.stringify(pkg, null, 2));
  for (const [k, v] of Object.entries(extra)) writeFileSync(join(path, k), v);
  git(path, "add", "-A");
  git(path, "commit", "-q", "-m", "init");
  return path;
}

/** A test that needs the dependency installed in the image and prints the Node it ran on. */
const TEST =
  "const isNumber = require('is-number'); if (!isNumber(5)) process.exit(1); console.log('node', process.version);";

async function runIn(image: string, repoPath: string, command: string) {
  const sb = await createDockerSandbox({ repoPath, image, network: false });
  try {
    return await sb.exec(command, { timeoutMs: 120_000 });
  } finally {
    await sb.close();
  }
}

describe.runIf(dockerUp)("node environment images", () => {
  it("installs a real registry dependency (trusting the host's CAs) on the Node that engines.node asks for", async () => {
    await pythonImage(); // makes sure the bootstrapped base exists
    const path = project(
      "needs-node16",
      {
        name: "needs-node16",
        version: "1.0.0",
        engines: { node: ">=14 <17" },
        dependencies: { "is-number": "7.0.0" },
        scripts: { test: "node test.js" },
      },
      { "test.js": TEST },
    );
    const env = await buildEnvironmentImage({ repoPath: path, baseImage: BASE_IMAGE });
    expect(env.family).toBe("node");
    expect(env.node?.requirement).toEqual({ range: ">=14 <17", source: "engines.node" });
    expect(env.node?.installMajor).toBe(16);
    const r = await runIn(env.image, path, "npm test 2>&1");
    expect(r.stdout).toMatch(/node v16\.\d+\.\d+/);
    expect(r.exitCode).toBe(0);
  }, 900_000);

  it("keeps the image's Node for a project that asks for nothing special", async () => {
    await pythonImage();
    const path = project(
      "plain",
      {
        name: "plain",
        version: "1.0.0",
        engines: { node: ">=10" },
        dependencies: { "is-number": "7.0.0" },
      },
      { "test.js": TEST },
    );
    const env = await buildEnvironmentImage({ repoPath: path, baseImage: BASE_IMAGE });
    expect(env.node?.installMajor).toBeNull();
    const r = await runIn(env.image, path, "node test.js");
    expect(env.node?.imageMajor).toBeGreaterThan(0);
    expect(r.stdout).toContain(`node v${env.node?.imageMajor}.`);
  }, 900_000);
});
