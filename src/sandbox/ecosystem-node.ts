/**
 * Node.js specifics of environment images: which Node major a commit's tooling needs (read from
 * the commit's own files, or a recipe's override), how that Node is installed inside an image
 * from the npm registry (the only registry every Node user can reach), and the host's extra CA
 * certificates, which npm/yarn/pnpm need behind a TLS-intercepting proxy.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import semver from "semver";
import { parse as parseYaml } from "yaml";

/** Where a Node requirement came from, for logs and reports. */
export type NodeSource = "recipe" | ".nvmrc" | ".node-version" | "engines.node" | "node-sass" | "lockfile";

export interface NodeRequirement {
  /** A semver range over Node versions (`>=16`, `^14.17.0`, `16.20.2`, `<15`). */
  range: string;
  source: NodeSource;
}

/** Reads a file of the commit; null when absent. */
export type ReadFile = (path: string) => Promise<Buffer | null>;

/** nvm's LTS code names (nodejs.org release schedule), as `.nvmrc` may give them. */
const LTS_NAMES: Record<string, number> = {
  argon: 4,
  boron: 6,
  carbon: 8,
  dubnium: 10,
  erbium: 12,
  fermium: 14,
  gallium: 16,
  hydrogen: 18,
  iron: 20,
  jod: 22,
};

/**
 * A version file's text (`.nvmrc`, `.node-version`) as a range: `16` → `16`, `v14.17.0` →
 * `14.17.0`, `lts/gallium` → `16`; null for what names no version (`node`, `lts/*`, `stable`).
 */
export function versionFileRange(text: string): string | null {
  const line = text
    .split("\n")
    .map((l) => l.replace(/#.*/, "").trim())
    .find(Boolean);
  if (!line) return null;
  const lts = /^lts\/([a-z]+)$/i.exec(line);
  if (lts?.[1]) {
    const major = LTS_NAMES[lts[1].toLowerCase()];
    return major === undefined ? null : String(major);
  }
  const v = line.replace(/^v/i, "");
  return semver.validRange(v) && /^\d/.test(v) ? v : null;
}

/**
 * The highest Node major that node-sass's prebuilt binding supports, by node-sass major
 * (node-sass README, "Node version support policy" table): its install compiles or downloads a
 * binding for the running Node and fails on newer ones.
 */
const NODE_SASS_MAX_NODE: Array<[sassMajor: number, nodeMax: number]> = [
  [3, 8],
  [4, 14],
  [5, 15],
  [6, 16],
  [7, 17],
  [8, 19],
];

function nodeSassCeiling(pkg: PackageJson): NodeRequirement | null {
  const spec = pkg.dependencies?.["node-sass"] ?? pkg.devDependencies?.["node-sass"];
  const min = spec ? semver.minVersion(spec)?.major : undefined;
  if (min === undefined) return null;
  const row = NODE_SASS_MAX_NODE.find(([major]) => major === min);
  return row ? { range: `<${row[1] + 1}`, source: "node-sass" } : null;
}

interface PackageJson {
  engines?: { node?: unknown };
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

function parsePackageJson(buf: Buffer | null): PackageJson | null {
  if (!buf) return null;
  try {
    const v = JSON.parse(buf.toString("utf8")) as unknown;
    return typeof v === "object" && v !== null ? (v as PackageJson) : null;
  } catch {
    return null;
  }
}

/**
 * What the commit says about its Node version, in order of how deliberate the statement is:
 * `.nvmrc`, `.node-version`, `engines.node` in package.json, then a ceiling implied by a native
 * dependency that is known to break on newer Node (node-sass). Null when nothing constrains it.
 */
export async function nodeRequirement(files: string[], read: ReadFile): Promise<NodeRequirement | null> {
  for (const source of [".nvmrc", ".node-version"] as const) {
    if (!files.includes(source)) continue;
    const range = versionFileRange((await read(source))?.toString("utf8") ?? "");
    if (range) return { range, source };
  }
  const pkg = parsePackageJson(files.includes("package.json") ? await read("package.json") : null);
  const engines = pkg?.engines?.node;
  if (typeof engines === "string" && semver.validRange(engines) && engines.trim() !== "*") {
    return { range: engines.trim(), source: "engines.node" };
  }
  return (pkg ? nodeSassCeiling(pkg) : null) ?? (pkg ? await lockfileEngines(files, read, pkg) : null);
}

/** The resolved versions' `engines.node` of the direct dependencies, as the lockfile records them. */
async function directEngines(files: string[], read: ReadFile, pkg: PackageJson): Promise<string[]> {
  const direct = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });
  const text = async (f: string) => (files.includes(f) ? ((await read(f))?.toString("utf8") ?? null) : null);
  const npmLock = (await text("package-lock.json")) ?? (await text("npm-shrinkwrap.json"));
  try {
    if (npmLock) {
      // lockfileVersion 2 and 3 keep each installed package's manifest fields under `packages`.
      const packages =
        (JSON.parse(npmLock) as { packages?: Record<string, { engines?: unknown }> }).packages ?? {};
      return direct.map((n) => nodeEngine(packages[`node_modules/${n}`]?.engines)).filter(isString);
    }
    const pnpm = await text("pnpm-lock.yaml");
    if (pnpm) {
      type Dep = { version?: string } | string;
      const lock = parseYaml(pnpm) as {
        importers?: Record<string, Record<string, Record<string, Dep>>>;
        dependencies?: Record<string, Dep>;
        devDependencies?: Record<string, Dep>;
        packages?: Record<string, { engines?: unknown }>;
      };
      const root = lock.importers?.["."] ?? {
        dependencies: lock.dependencies ?? {},
        devDependencies: lock.devDependencies ?? {},
      };
      const packages = lock.packages ?? {};
      const out: string[] = [];
      for (const deps of [root.dependencies ?? {}, root.devDependencies ?? {}]) {
        for (const [name, dep] of Object.entries(deps)) {
          // `4.1.2(@types/node@25.5.0)` → 4.1.2; keys are `name@v` (lockfile 9), `/name@v` (6), `/name/v` (5).
          const v = (typeof dep === "string" ? dep : (dep.version ?? "")).replace(/\(.*$/, "");
          const entry = packages[`${name}@${v}`] ?? packages[`/${name}@${v}`] ?? packages[`/${name}/${v}`];
          const e = nodeEngine(entry?.engines);
          if (e) out.push(e);
        }
      }
      return out;
    }
  } catch {
    // An unreadable lockfile says nothing about Node; the install will say the rest.
  }
  return [];
}

function nodeEngine(engines: unknown): string | null {
  const node =
    typeof engines === "object" && engines !== null ? (engines as { node?: unknown }).node : undefined;
  return typeof node === "string" && semver.validRange(node) ? node : null;
}

const isString = (v: string | null): v is string => v !== null;

/**
 * What the direct dependencies' own `engines.node` allow together, from the lockfile (npm's
 * lockfile 2/3, pnpm's): the candidate majors every one of them accepts, as a range such as
 * `20.x || 22.x || 24.x`. A test runner that needs a newer Node than the image's (vitest 4 on
 * Node 18) is caught here. Null when the lockfile records none, or when they allow every candidate.
 */
async function lockfileEngines(
  files: string[],
  read: ReadFile,
  pkg: PackageJson,
): Promise<NodeRequirement | null> {
  const ranges = await directEngines(files, read, pkg);
  if (ranges.length === 0) return null;
  const ok = CANDIDATE_MAJORS.filter((m) => ranges.every((r) => semver.intersects(r, majorRange(m))));
  if (ok.length === 0 || ok.length === CANDIDATE_MAJORS.length) return null;
  return { range: ok.map((m) => `${m}.x`).join(" || "), source: "lockfile" };
}

/** Node majors we may install, newest first: the even (LTS) lines, which the registry carries. */
const CANDIDATE_MAJORS = [24, 22, 20, 18, 16, 14, 12, 10, 8, 6];

const majorRange = (m: number) => `>=${m}.0.0 <${m + 1}.0.0`;

/**
 * The Node major to install for `req`, or null when the image's own Node (`imageMajor`) already
 * satisfies it: the newest candidate major the range allows. Throws when no candidate does.
 */
export function chooseNodeMajor(req: NodeRequirement, imageMajor: number | null): number | null {
  const range = semver.validRange(req.range);
  if (!range) throw new Error(`${req.source}: "${req.range}" is not a Node version range`);
  if (imageMajor !== null && semver.intersects(range, majorRange(imageMajor))) return null;
  const major = CANDIDATE_MAJORS.find((m) => semver.intersects(range, majorRange(m)));
  if (major === undefined)
    throw new Error(`${req.source}: no installable Node version satisfies "${req.range}"`);
  return major;
}

/** The npm major that runs on a Node major (npm's own `engines`: 10 needs 18.17+, 8 needs 12.22+). */
export function npmMajorFor(nodeMajor: number): number {
  if (nodeMajor >= 18) return 10;
  if (nodeMajor >= 16) return 8;
  return 6;
}

/** Where an installed Node lives in the image; its bin/ goes first on PATH. */
export const NODE_PREFIX = "/opt/node";

/**
 * Dockerfile lines that install Node `spec` (a major such as `16`, or an exact version) and a
 * matching npm under NODE_PREFIX, from the npm registry with the image's own npm: the
 * `node-linux-<arch>` packages carry the official binaries (bin/node, no npm), and the `npm`
 * package is self-contained. PATH then prefers them, in the build and in the sandbox.
 */
export function nodeInstallLines(spec: string, npmMajor: number): string[] {
  const script = [
    "set -e",
    'case "$(uname -m)" in aarch64|arm64) arch=arm64;; *) arch=x64;; esac',
    "cd /tmp",
    `npm pack --silent "node-linux-$arch@${spec}" "npm@${npmMajor}" >/dev/null`,
    `mkdir -p ${NODE_PREFIX}/lib/node_modules/npm`,
    `tar -xzf node-linux-$arch-*.tgz -C ${NODE_PREFIX} --strip-components=1`,
    `tar -xzf npm-*.tgz -C ${NODE_PREFIX}/lib/node_modules/npm --strip-components=1`,
    `ln -sf ../lib/node_modules/npm/bin/npm-cli.js ${NODE_PREFIX}/bin/npm`,
    `ln -sf ../lib/node_modules/npm/bin/npx-cli.js ${NODE_PREFIX}/bin/npx`,
    "rm -f /tmp/*.tgz",
  ].join("; ");
  return [`RUN ${script}`, `ENV PATH=${NODE_PREFIX}/bin:$PATH`, "RUN node --version && npm --version"];
}

/** Name of the extra-CA bundle in the build context and in the image. */
export const EXTRA_CA_NAME = "fixpoint-extra-ca.crt";
const EXTRA_CA_DIR = "/usr/local/share/ca-certificates";

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * The host's extra CA certificates as one PEM bundle (deduplicated): the file
 * NODE_EXTRA_CA_CERTS names and `/usr/local/share/ca-certificates/*.crt` (where Debian-style
 * hosts keep locally added CAs). Null when the host has none, so nothing changes there.
 */
export function hostExtraCaBundle(
  env: NodeJS.ProcessEnv = process.env,
  localDir = EXTRA_CA_DIR,
): string | null {
  const paths: string[] = [];
  if (env.NODE_EXTRA_CA_CERTS) paths.push(env.NODE_EXTRA_CA_CERTS);
  if (existsSync(localDir)) {
    for (const f of readdirSync(localDir).sort()) if (f.endsWith(".crt")) paths.push(join(localDir, f));
  }
  const seen = new Set<string>();
  for (const p of paths) {
    let text: string;
    try {
      text = readFileSync(p, "utf8");
    } catch {
      continue; // a variable naming a missing file is the host's business, not the image's
    }
    for (const block of text.match(PEM_BLOCK) ?? []) seen.add(block.replace(/\r\n/g, "\n"));
  }
  return seen.size ? `${[...seen].join("\n")}\n` : null;
}

/**
 * Dockerfile lines that make the build trust the bundle copied in as EXTRA_CA_NAME: into the
 * system store (git, curl) and NODE_EXTRA_CA_CERTS for the build's Node processes only (an ARG
 * is an environment variable of the RUN steps that does not stay in the image).
 */
export function extraCaLines(): string[] {
  return [
    `COPY ${EXTRA_CA_NAME} ${EXTRA_CA_DIR}/${EXTRA_CA_NAME}`,
    "RUN update-ca-certificates >/dev/null 2>&1 || true",
    `ARG NODE_EXTRA_CA_CERTS=${EXTRA_CA_DIR}/${EXTRA_CA_NAME}`,
  ];
}

/** True when the install commands run Node's package managers (npm, npx, yarn, pnpm, corepack). */
export function usesNodePackageManager(commands: string[]): boolean {
  return commands.some((c) => /(^|[\s;&|(])(npm|npx|yarn|pnpm|corepack)(\s|$)/.test(c));
}

/** Whether the build must install its own Node, and the lines that do it. */
export interface NodePlan {
  requirement: NodeRequirement | null;
  /** The image's own Node major (null when it has none). */
  imageMajor: number | null;
  /** The major installed on top of it; null when the image's Node serves. */
  installMajor: number | null;
  lines: string[];
}

/**
 * The Node plan of a build on `imageMajor`: the recipe's `node` wins over what the commit says
 * (see nodeRequirement); an exact version is installed as given, a range as its newest major.
 */
export async function planNode(
  files: string[],
  read: ReadFile,
  recipeNode: string | undefined,
  imageMajor: number | null,
): Promise<NodePlan> {
  const requirement = recipeNode
    ? { range: recipeNode, source: "recipe" as const }
    : await nodeRequirement(files, read);
  const installMajor = requirement ? chooseNodeMajor(requirement, imageMajor) : null;
  if (installMajor === null) return { requirement, imageMajor, installMajor, lines: [] };
  const exact = semver.valid(requirement?.range ?? "") ? requirement!.range : String(installMajor);
  return { requirement, imageMajor, installMajor, lines: nodeInstallLines(exact, npmMajorFor(installMajor)) };
}

const NPM_FLAGS = "--ignore-scripts --no-audit --no-fund";

/** `packageManager` of package.json (corepack's field): `pnpm@8.6.0` → ["pnpm", "8.6.0"]. */
function packageManagerField(pkg: PackageJson | null): [name: string, version: string] | null {
  const v = (pkg as { packageManager?: unknown } | null)?.packageManager;
  const m = typeof v === "string" ? /^(npm|yarn|pnpm)@(\d[\w.+-]*)/.exec(v) : null;
  return m?.[1] && m[2] ? [m[1], m[2]] : null;
}

/** The pnpm major that wrote a lockfile (`lockfileVersion: '9.0'` → 9, 6.x → 8, 5.4 → 7, older → 6). */
export function pnpmMajorForLockfile(text: string): number {
  const m = /^lockfileVersion:\s*['"]?(\d+)(?:\.(\d+))?/m.exec(text);
  const major = Number(m?.[1] ?? 0);
  const minor = Number(m?.[2] ?? 0);
  if (major >= 9) return 9;
  if (major >= 6) return 8;
  if (major === 5 && minor >= 4) return 7;
  return 6;
}

/**
 * The commands that install a node repository's dependencies, from its manifests: the lockfile
 * names the manager (pnpm-lock.yaml, yarn.lock, package-lock.json / npm-shrinkwrap.json, else
 * npm without one) and corepack's `packageManager` field or the lockfile's format its version.
 * Install scripts do not run (the project's own source is not in the image yet); `npm rebuild`
 * then builds the dependencies' native parts. A lockfile that no longer matches package.json,
 * and peer-dependency conflicts npm 7+ refuses but the npm of the commit's time accepted, fall
 * back to a plain install.
 */
export async function nodeInstallCommands(files: string[], read: ReadFile): Promise<string[]> {
  const pkg = parsePackageJson(files.includes("package.json") ? await read("package.json") : null);
  const declared = packageManagerField(pkg);
  if (files.includes("pnpm-lock.yaml")) {
    const lock = (await read("pnpm-lock.yaml"))?.toString("utf8") ?? "";
    const version = declared?.[0] === "pnpm" ? declared[1] : String(pnpmMajorForLockfile(lock));
    return [
      `npm install -g ${NPM_FLAGS} pnpm@${version} && (pnpm install --frozen-lockfile --ignore-scripts || pnpm install --no-frozen-lockfile --ignore-scripts)`,
    ];
  }
  if (files.includes("yarn.lock")) {
    const version = declared?.[0] === "yarn" ? declared[1] : "1";
    // yarn 2+ ("berry") is published as @yarnpkg/cli-dist; yarn 1 as `yarn`.
    const berry = Number(version.split(".")[0]) >= 2;
    const cli = berry ? `@yarnpkg/cli-dist@${version}` : `yarn@${version}`;
    const frozen = berry ? "--immutable" : "--frozen-lockfile --ignore-scripts";
    const loose = berry ? "" : " --ignore-scripts";
    const env = berry ? "YARN_ENABLE_SCRIPTS=false YARN_NODE_LINKER=node-modules " : "";
    return [
      `npm install -g ${NPM_FLAGS} ${cli} && (${env}yarn install ${frozen} || ${env}yarn install${loose})`,
    ];
  }
  const lock = files.includes("package-lock.json") || files.includes("npm-shrinkwrap.json");
  const first = lock ? `npm ci ${NPM_FLAGS}` : `npm install ${NPM_FLAGS}`;
  return [`(${first} || npm install ${NPM_FLAGS} --legacy-peer-deps) && npm rebuild`];
}
