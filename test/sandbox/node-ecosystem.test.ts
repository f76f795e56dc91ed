/** Node specifics of environment images: the Node a commit asks for, install commands, host CAs. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  chooseNodeMajor,
  hostExtraCaBundle,
  nodeInstallCommands,
  nodeRequirement,
  npmMajorFor,
  planNode,
  pnpmMajorForLockfile,
  usesNodePackageManager,
  versionFileRange,
} from "../../src/sandbox/ecosystem-node.js";

const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A reader over an in-memory set of files, as buildEnvironmentImage reads a commit. */
function files(map: Record<string, string>): [string[], (p: string) => Promise<Buffer | null>] {
  return [Object.keys(map), async (p) => (p in map ? Buffer.from(map[p]!) : null)];
}

describe("the Node a commit asks for", () => {
  it("reads .nvmrc / .node-version in nvm's spellings", () => {
    expect(versionFileRange("16\n")).toBe("16");
    expect(versionFileRange("v14.17.0\n")).toBe("14.17.0");
    expect(versionFileRange("lts/gallium")).toBe("16");
    expect(versionFileRange("# comment\nlts/fermium\n")).toBe("14");
    expect(versionFileRange("lts/*")).toBeNull();
    expect(versionFileRange("node")).toBeNull();
    expect(versionFileRange("")).toBeNull();
  });

  it("prefers .nvmrc over engines.node, and reads a node-sass ceiling when nothing else speaks", async () => {
    expect(
      await nodeRequirement(...files({ ".nvmrc": "12", "package.json": '{"engines":{"node":">=16"}}' })),
    ).toEqual({
      range: "12",
      source: ".nvmrc",
    });
    expect(await nodeRequirement(...files({ "package.json": '{"engines":{"node":">= 0.10.0"}}' }))).toEqual({
      range: ">= 0.10.0",
      source: "engines.node",
    });
    expect(
      await nodeRequirement(...files({ "package.json": '{"devDependencies":{"node-sass":"^4.13.0"}}' })),
    ).toEqual({
      range: "<15",
      source: "node-sass",
    });
    expect(await nodeRequirement(...files({ "package.json": '{"engines":{"node":"*"}}' }))).toBeNull();
    expect(await nodeRequirement(...files({ "package.json": "not json" }))).toBeNull();
  });

  it("reads what the direct dependencies' engines allow together from npm's and pnpm's lockfiles", async () => {
    const pkg = '{"devDependencies":{"vitest":"^4.1.0","tiny":"1.0.0"}}';
    const npmLock = JSON.stringify({
      lockfileVersion: 3,
      packages: {
        "node_modules/vitest": { version: "4.1.2", engines: { node: "^20.0.0 || ^22.0.0 || >=24.0.0" } },
        "node_modules/tiny": { version: "1.0.0", engines: { node: ">=8" } },
        "node_modules/transitive": { version: "1.0.0", engines: { node: ">=26" } },
      },
    });
    const want = { range: "24.x || 22.x || 20.x", source: "lockfile" };
    expect(await nodeRequirement(...files({ "package.json": pkg, "package-lock.json": npmLock }))).toEqual(
      want,
    );
    const pnpmLock = [
      "lockfileVersion: '9.0'",
      "importers:",
      "  .:",
      "    devDependencies:",
      "      vitest:",
      "        specifier: ^4.1.0",
      "        version: 4.1.2(@types/node@25.5.0)",
      "packages:",
      "  vitest@4.1.2:",
      "    engines: {node: ^20.0.0 || ^22.0.0 || >=24.0.0}",
      "",
    ].join("\n");
    expect(await nodeRequirement(...files({ "package.json": pkg, "pnpm-lock.yaml": pnpmLock }))).toEqual(
      want,
    );
    // Engines every candidate satisfies say nothing; neither does a lockfile without them.
    const loose = JSON.stringify({ packages: { "node_modules/tiny": { engines: { node: ">=4" } } } });
    expect(await nodeRequirement(...files({ "package.json": pkg, "package-lock.json": loose }))).toBeNull();
  });

  it("keeps the image's Node when the range allows it, else the newest major the range allows", () => {
    expect(chooseNodeMajor({ range: ">= 0.10.0", source: "engines.node" }, 18)).toBeNull();
    expect(chooseNodeMajor({ range: "^18.17.0", source: "engines.node" }, 18)).toBeNull();
    expect(chooseNodeMajor({ range: ">=14 <17", source: "engines.node" }, 18)).toBe(16);
    expect(chooseNodeMajor({ range: "<15", source: "node-sass" }, 18)).toBe(14);
    expect(chooseNodeMajor({ range: ">=20", source: "engines.node" }, 12)).toBe(24);
    expect(chooseNodeMajor({ range: "16", source: ".nvmrc" }, null)).toBe(16);
    expect(() => chooseNodeMajor({ range: "banana", source: "recipe" }, 18)).toThrow(/recipe: "banana"/);
  });

  it("plans an install of exact versions as given, of ranges as a major, with an npm that runs on it", async () => {
    const exact = await planNode(...files({ ".nvmrc": "v14.21.3" }), undefined, 18);
    expect(exact.installMajor).toBe(14);
    expect(exact.lines.join("\n")).toContain('"node-linux-$arch@14.21.3" "npm@6"');
    const recipe = await planNode(...files({ "package.json": '{"engines":{"node":">=18"}}' }), "16", 18);
    expect(recipe.requirement).toEqual({ range: "16", source: "recipe" });
    expect(recipe.lines.join("\n")).toContain('"node-linux-$arch@16" "npm@8"');
    const none = await planNode(...files({ "package.json": "{}" }), undefined, 18);
    expect(none).toEqual({ requirement: null, imageMajor: 18, installMajor: null, lines: [] });
    expect([npmMajorFor(10), npmMajorFor(16), npmMajorFor(22)]).toEqual([6, 8, 10]);
  });
});

describe("install commands", () => {
  it("npm ci with a lockfile, npm install without, falling back to --legacy-peer-deps", async () => {
    const [ci] = await nodeInstallCommands(...files({ "package.json": "{}", "package-lock.json": "{}" }));
    expect(ci).toMatch(/^\(npm ci .*\|\| npm install .*--legacy-peer-deps\) && npm rebuild$/);
    const [plain] = await nodeInstallCommands(...files({ "package.json": "{}" }));
    expect(plain).toMatch(/^\(npm install --ignore-scripts/);
  });

  it("yarn 1 by default, yarn berry from packageManager, pnpm by packageManager or lockfile version", async () => {
    const [y1] = await nodeInstallCommands(...files({ "package.json": "{}", "yarn.lock": "" }));
    expect(y1).toContain("yarn@1 ");
    expect(y1).toContain("yarn install --frozen-lockfile");
    const [berry] = await nodeInstallCommands(
      ...files({ "package.json": '{"packageManager":"yarn@4.1.0"}', "yarn.lock": "__metadata:\n" }),
    );
    expect(berry).toContain("@yarnpkg/cli-dist@4.1.0");
    expect(berry).toContain("yarn install --immutable");
    const [p9] = await nodeInstallCommands(
      ...files({ "package.json": "{}", "pnpm-lock.yaml": "lockfileVersion: '9.0'\n" }),
    );
    expect(p9).toContain("pnpm@9 ");
    const [pm] = await nodeInstallCommands(
      ...files({
        "package.json": '{"packageManager":"pnpm@8.15.4+sha256.abc"}',
        "pnpm-lock.yaml": "lockfileVersion: 5.4\n",
      }),
    );
    expect(pm).toContain("pnpm@8.15.4+sha256.abc ");
    expect([
      pnpmMajorForLockfile("lockfileVersion: '6.0'"),
      pnpmMajorForLockfile("lockfileVersion: 5.4"),
      pnpmMajorForLockfile("lockfileVersion: 5.3"),
    ]).toEqual([8, 7, 6]);
  });

  it("knows which commands run Node's package managers", () => {
    expect(usesNodePackageManager(["cd x && yarn install"])).toBe(true);
    expect(usesNodePackageManager(["apt-get install -y python3-yarnlike"])).toBe(false);
  });
});

describe("the host's extra CAs", () => {
  const cert = (n: string) => `-----BEGIN CERTIFICATE-----\nMII${n}\n-----END CERTIFICATE-----`;

  it("gathers NODE_EXTRA_CA_CERTS and local .crt files into one bundle without repeats; null when none", () => {
    const dir = mkdtempSync(join(tmpdir(), "fixpoint-ca-"));
    made.push(dir);
    const local = join(dir, "local");
    mkdirSync(local);
    writeFileSync(join(dir, "bundle.pem"), `${cert("A")}\n${cert("B")}\n`);
    writeFileSync(join(local, "proxy.crt"), `${cert("B")}\r\n`);
    writeFileSync(join(local, "other.crt"), `${cert("C")}\n`);
    writeFileSync(join(local, "ignored.pem"), `${cert("D")}\n`);
    const bundle = hostExtraCaBundle({ NODE_EXTRA_CA_CERTS: join(dir, "bundle.pem") }, local);
    expect(bundle?.match(/BEGIN CERTIFICATE/g)).toHaveLength(3);
    expect(bundle).toContain("MIIC");
    expect(bundle).not.toContain("MIID");
    expect(hostExtraCaBundle({}, join(dir, "absent"))).toBeNull();
    expect(
      hostExtraCaBundle({ NODE_EXTRA_CA_CERTS: join(dir, "missing.pem") }, join(dir, "absent")),
    ).toBeNull();
  });
});
