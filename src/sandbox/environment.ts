/**
 * Environment images: a language-family image built from `environments/<family>/Dockerfile` on a
 * base image, then a per-repository image with the dependencies installed from the
 * repository's manifests only (so source edits never invalidate it). Both are tagged by a hash
 * of what went into them and reused while it is unchanged; the second build of an unchanged
 * repository is a few image lookups. A recipe, `.fixpoint/env.yaml` in the repository (or
 * given by the task), overrides the image, the setup commands and the test command.
 * Builds use the host network; containers run without one.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import tar from "tar-stream";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { describeZodError, errorMessage, git, gitClient, InfraError, UsageError } from "../common/index.js";
import { type Logger, silentLogger } from "../log/index.js";
import { resolveCommit, resolveRepository } from "./checkout.js";
import { dockerClient, dockerUnavailableMessage } from "./docker.js";
import {
  type ContextEntry,
  detectNative,
  findSubmodules,
  nativeCleanup,
  nativeContext,
} from "./ecosystem-native.js";
import {
  EXTRA_CA_NAME,
  extraCaLines,
  hostExtraCaBundle,
  type NodePlan,
  nodeInstallCommands,
  planNode,
  usesNodePackageManager,
} from "./ecosystem-node.js";

export type Family = "python" | "node" | "go" | "rust" | "java" | "cpp" | "generic";

export interface Ecosystem {
  family: Family;
  /** npm, yarn, pnpm, pip, go, cargo, maven, gradle — what installs the dependencies. */
  packageManager: string | null;
  /** Dependency manifests (relative paths) that the repository image is built from. */
  manifests: string[];
  /** Commands that install the dependencies, run in the image's /testbed with the manifests. */
  install: string[];
  /** The test command detection proposes (C/C++: build, then ctest / make check). */
  testCommand?: string;
  /** The build needs the whole checkout, not the manifests alone (C/C++, see ecosystem-native.ts). */
  sources?: boolean;
}

export const EnvRecipeSchema = z
  .object({
    image: z.string().min(1).optional(),
    base: z.string().min(1).optional(),
    setup: z.array(z.string().min(1)).default([]),
    test_command: z.string().min(1).optional(),
    /** Extra files (relative paths) copied into the build next to the manifests. */
    copy: z.array(z.string().min(1)).default([]),
    /** Node version for a node repository (`16`, `14.21.3`, `>=12 <15`); default from the commit. */
    node: z.string().min(1).optional(),
  })
  .strict();
export type EnvRecipe = z.infer<typeof EnvRecipeSchema>;

export const DEFAULT_BASE_IMAGE = "debian:bookworm-slim";
const RECIPE_PATH = ".fixpoint/env.yaml";

/** Reads the files of a repository at a commit (git) or of a plain directory (fs). */
interface RepoReader {
  list(): Promise<string[]>;
  read(path: string): Promise<Buffer | null>;
}

async function gitReader(repo: string, commit: string): Promise<RepoReader> {
  const ls = await git(["ls-tree", "-r", "-z", "--name-only", commit], repo);
  if (ls.code !== 0) throw new InfraError(`git ls-tree failed in ${repo}: ${ls.stderr.trim()}`);
  const files = ls.stdout.split("\0").filter(Boolean);
  return {
    list: async () => files,
    read: (path) =>
      gitClient(repo)
        .binaryCatFile(["blob", `${commit}:${path}`])
        .catch(() => null),
  };
}

function fsReader(root: string): RepoReader {
  return {
    list: async () => {
      const out: string[] = [];
      const walk = async (dir: string, rel: string, depth: number) => {
        if (depth > 3) return;
        for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
          if (e.name === ".git" || e.name === "node_modules" || e.name === "target") continue;
          const r = rel ? `${rel}/${e.name}` : e.name;
          if (e.isDirectory()) await walk(join(dir, e.name), r, depth + 1);
          else out.push(r);
        }
      };
      await walk(root, "", 0);
      return out;
    },
    read: (path) => readFile(join(root, path)).catch(() => null),
  };
}

async function readerFor(repoPath: string, commit?: string): Promise<RepoReader> {
  const isGit = (await git(["rev-parse", "--git-dir"], repoPath).catch(() => null))?.code === 0;
  if (!isGit) {
    if (commit) throw new UsageError(`not a git repository: ${repoPath}`);
    return fsReader(repoPath);
  }
  const repo = await resolveRepository(repoPath);
  return gitReader(repo, await resolveCommit(repo, commit ?? "HEAD"));
}

const depth = (p: string) => p.split("/").length - 1;

function detectFrom(files: string[]): Ecosystem | null {
  const has = new Set(files);
  const top = files.filter((f) => depth(f) === 0);
  const pyReq = top.filter((f) => /^(requirements[\w.-]*|[\w-]*requirements)\.txt$/.test(f));
  const pyReqDir = files.filter((f) => /^requirements\/[^/]+\.txt$/.test(f));
  if (has.has("pyproject.toml") || has.has("setup.py") || has.has("setup.cfg") || pyReq.length > 0) {
    const manifests = ["pyproject.toml", "setup.py", "setup.cfg"].filter((f) => has.has(f));
    manifests.push(...pyReq, ...pyReqDir);
    const install: string[] = [];
    const reqFiles = pyReq.filter((f) =>
      /(^requirements(-dev|-test|-tests|_dev|_test)?\.txt$)|^(dev|test)-requirements\.txt$/.test(f),
    );
    // Requirements files minus editable installs of the project itself (its source is not here),
    // plus the dependencies declared in pyproject.toml; pip runs only when there is something.
    install.push(
      [
        ": > /tmp/fixpoint-req.txt",
        ...reqFiles.map(
          (f) =>
            `grep -v -E '^[[:space:]]*(-e|--editable)[[:space:]]|^[[:space:]]*\\.[[:space:]]*$' ${f} >> /tmp/fixpoint-req.txt || true`,
        ),
        has.has("pyproject.toml")
          ? `python3 -c 'import tomllib,sys; p=tomllib.load(open("pyproject.toml","rb")).get("project",{}); o=p.get("optional-dependencies",{}); print("\\n".join(p.get("dependencies",[])+[d for k in ("test","tests","testing","dev") for d in o.get(k,[])]))' >> /tmp/fixpoint-req.txt`
          : "true",
        "if grep -q '[^[:space:]]' /tmp/fixpoint-req.txt; then pip install -r /tmp/fixpoint-req.txt; fi",
        "rm -f /tmp/fixpoint-req.txt",
      ].join(" && "),
    );
    return { family: "python", packageManager: "pip", manifests, install };
  }
  if (has.has("go.mod")) {
    return {
      family: "go",
      packageManager: "go",
      manifests: ["go.mod", ...(has.has("go.sum") ? ["go.sum"] : [])],
      install: ["go mod download"],
    };
  }
  if (has.has("Cargo.toml")) {
    const manifests = files.filter(
      (f) => (basename(f) === "Cargo.toml" && depth(f) <= 3) || f === "Cargo.lock",
    );
    return {
      family: "rust",
      packageManager: "cargo",
      manifests,
      // cargo needs targets to read a manifest: stub them for the fetch, then remove the stubs.
      install: [
        'stubs=""; for d in $(find . -name Cargo.toml -exec dirname {} \\;); do mkdir -p "$d/src"; if [ ! -e "$d/src/lib.rs" ]; then touch "$d/src/lib.rs"; stubs="$stubs $d/src/lib.rs"; fi; done; CARGO_NET_OFFLINE=false cargo fetch; rm -f $stubs',
      ],
    };
  }
  if (has.has("pom.xml")) {
    return {
      family: "java",
      packageManager: "maven",
      manifests: files.filter((f) => basename(f) === "pom.xml" && depth(f) <= 3),
      install: ["mvn -B -q -DskipTests dependency:go-offline"],
    };
  }
  if (has.has("build.gradle") || has.has("build.gradle.kts")) {
    const manifests = files.filter(
      (f) =>
        (/^(build|settings)\.gradle(\.kts)?$/.test(basename(f)) && depth(f) <= 3) ||
        f === "gradle.properties" ||
        f === "gradlew" ||
        f.startsWith("gradle/wrapper/"),
    );
    return {
      family: "java",
      packageManager: "gradle",
      manifests,
      install: has.has("gradlew") ? ["chmod +x gradlew && ./gradlew --no-daemon -q dependencies"] : [],
    };
  }
  if (has.has("package.json")) {
    const lock = ["package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml"].filter((f) =>
      has.has(f),
    );
    const pkgs = files.filter(
      (f) => basename(f) === "package.json" && depth(f) <= 3 && !f.includes("node_modules/"),
    );
    const pm = has.has("pnpm-lock.yaml") ? "pnpm" : has.has("yarn.lock") ? "yarn" : "npm";
    // The commands depend on the manifests' contents: see withNodeInstall.
    return { family: "node", packageManager: pm, manifests: [...pkgs, ...lock], install: [] };
  }
  return detectNative(files);
}

/**
 * Detects the ecosystem of a repository (at `commit`, default HEAD; a plain directory is read
 * from disk): Python (pyproject/setup.py/requirements), Go, Rust, Java (Maven/Gradle), Node.js
 * (package.json with its npm/yarn/pnpm lockfile). Null when none is recognised.
 */
export async function detectEcosystem(repoPath: string, commit?: string): Promise<Ecosystem | null> {
  const reader = await readerFor(repoPath, commit);
  const files = await reader.list();
  return withNodeInstall(detectFrom(files), files, reader);
}

/** A node ecosystem's install commands, which need the manifests' contents (nodeInstallCommands). */
async function withNodeInstall(eco: Ecosystem | null, files: string[], reader: RepoReader) {
  return eco?.family === "node" ? { ...eco, install: await nodeInstallCommands(files, reader.read) } : eco;
}

/** Parses a recipe (YAML text); a UsageError naming the field when it is invalid. */
export function parseEnvRecipe(text: string, where = RECIPE_PATH): EnvRecipe {
  let data: unknown;
  try {
    data = parseYaml(text) ?? {};
  } catch (e) {
    throw new UsageError(`${where}: not valid YAML: ${errorMessage(e).split("\n")[0]}`);
  }
  const r = EnvRecipeSchema.safeParse(data);
  if (!r.success) throw new UsageError(describeZodError(where, r.error.issues));
  return r.data;
}

/** Loads `.fixpoint/env.yaml` from the repository (at `commit`, default HEAD); null when absent. */
export async function loadEnvRecipe(repoPath: string, commit?: string): Promise<EnvRecipe | null> {
  const reader = await readerFor(repoPath, commit);
  const buf = await reader.read(RECIPE_PATH);
  return buf ? parseEnvRecipe(buf.toString("utf8")) : null;
}

/** The `environments/` folder shipped with fixpoint (found from this module, src or dist). */
export function environmentsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, "environments");
    if (existsSync(join(candidate, "python", "Dockerfile"))) return candidate;
    dir = dirname(dir);
  }
  throw new InfraError("the environments/ folder of fixpoint was not found");
}

function sha(...parts: (string | Buffer)[]): string {
  const h = createHash("sha256");
  for (const p of parts) {
    h.update(p);
    h.update("\0");
  }
  return h.digest("hex");
}

async function imageId(name: string): Promise<string | null> {
  try {
    return (await dockerClient().getImage(name).inspect()).Id;
  } catch (e) {
    const status = (e as { statusCode?: number }).statusCode;
    if (status === 404) return null;
    throw new InfraError(dockerUnavailableMessage(errorMessage(e)));
  }
}

/** Builds an image from an in-memory context; InfraError with the log's last lines on failure. */
async function dockerBuild(
  tag: string,
  files: Map<string, Buffer | string | ContextEntry>,
  buildargs: Record<string, string>,
  log: Logger,
): Promise<void> {
  const pack = tar.pack();
  for (const [name, content] of files) {
    if (typeof content === "object" && "linkname" in content) {
      pack.entry({ name, type: "symlink", linkname: content.linkname, mtime: new Date(0) });
      continue;
    }
    const mode = name === "gradlew" || name.endsWith(".sh") ? 0o755 : 0o644;
    if (typeof content === "object" && "mode" in content)
      pack.entry({ name, mode: content.mode, mtime: new Date(0) }, content.content);
    else pack.entry({ name, mode, mtime: new Date(0) }, content);
  }
  pack.finalize();
  const docker = dockerClient();
  const lines: string[] = [];
  let failure: string | null = null;
  try {
    const stream = await docker.buildImage(pack as unknown as NodeJS.ReadableStream, {
      t: tag,
      buildargs,
      networkmode: "host",
      rm: true,
      forcerm: true,
    });
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(
        stream,
        (err: Error | null) => (err ? reject(err) : resolve()),
        (event: { stream?: string; error?: string; errorDetail?: { message?: string } }) => {
          if (event.stream) {
            for (const l of event.stream.split("\n")) {
              if (l.trim()) {
                lines.push(l);
                log.debug({ image: tag }, l);
              }
            }
          }
          if (event.error) failure = event.errorDetail?.message ?? event.error;
        },
      );
    });
  } catch (e) {
    failure ??= errorMessage(e);
  }
  if (failure !== null) {
    const tail = lines.slice(-20).join("\n");
    throw new InfraError(`building image ${tag} failed: ${String(failure).trim()}\n${tail}`);
  }
}

export interface BuildEnvironmentOptions {
  repoPath: string;
  /** Commit whose manifests count (default HEAD). */
  baseCommit?: string;
  /** Base image for the family image (default: recipe `base`, FIXPOINT_BASE_IMAGE, debian:bookworm-slim). */
  baseImage?: string;
  /** A recipe given by the task; overrides `.fixpoint/env.yaml`. */
  recipe?: EnvRecipe;
  /**
   * Copy the repository's dependency manifests into the build (default true). Off when the setup
   * needs nothing from the repository: the image then no longer depends on the commit, and one
   * build serves every task of the repository.
   */
  manifests?: boolean;
  log?: Logger;
}

export interface EnvironmentImage {
  image: string;
  /** True when the image existed and nothing was built. */
  reused: boolean;
  family: Family;
  testCommand?: string;
  /** For a node repository: the Node it asks for and whether one was installed over the image's. */
  node?: Omit<NodePlan, "lines">;
}

const nodeMajors = new Map<string, Promise<number | null>>();

/** The major of the `node` on an image's PATH (null when none), asked once per image. */
async function imageNodeMajor(image: string): Promise<number | null> {
  let p = nodeMajors.get(image);
  if (!p) {
    p = (async () => {
      const docker = dockerClient();
      const container = await docker.createContainer({
        Image: image,
        Cmd: ["sh", "-c", "node --version 2>/dev/null || true"],
        HostConfig: { NetworkMode: "none", AutoRemove: false },
      });
      try {
        const stream = await container.attach({ stream: true, stdout: true, stderr: true });
        const chunks: Buffer[] = [];
        stream.on("data", (c: Buffer) => chunks.push(c));
        await container.start();
        await container.wait();
        // The attached stream is multiplexed: 8-byte frame headers before each chunk.
        const text = Buffer.concat(chunks).toString("latin1");
        const m = /v(\d+)\.\d+\.\d+/.exec(text);
        return m?.[1] ? Number(m[1]) : null;
      } finally {
        await container.remove({ force: true }).catch(() => undefined);
      }
    })();
    nodeMajors.set(image, p);
    p.catch(() => nodeMajors.delete(image));
  }
  return p;
}

function sanitizeName(s: string): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, "-")
      .replace(/^[^a-z0-9]+/, "")
      .slice(0, 60) || "repo"
  );
}

/** The family image (built when missing) on `baseImage`. */
export async function ensureFamilyImage(
  family: Family,
  baseImage: string,
  log: Logger = silentLogger,
): Promise<{ image: string; reused: boolean }> {
  const dir = join(environmentsDir(), family);
  const dockerfile = await readFile(join(dir, "Dockerfile"));
  const baseId = await imageId(baseImage);
  // A missing base is pulled by the build (where a registry is reachable); its name stands in.
  const image = `fixpoint/${family}:${sha(dockerfile, baseImage, baseId ?? "").slice(0, 16)}`;
  if (await imageId(image)) return { image, reused: true };
  log.info({ image, baseImage }, "sandbox: building the environment image");
  await dockerBuild(image, new Map([["Dockerfile", dockerfile]]), { BASE_IMAGE: baseImage }, log);
  return { image, reused: false };
}

/**
 * Builds (or reuses) the image a repository's sandbox runs in: the family image, then a layer
 * with the dependencies installed from the manifests at `baseCommit`.
 */
export async function buildEnvironmentImage(opts: BuildEnvironmentOptions): Promise<EnvironmentImage> {
  const log = opts.log ?? silentLogger;
  const reader = await readerFor(opts.repoPath, opts.baseCommit);
  const files = await reader.list();
  const recipeBuf = opts.recipe ? null : await reader.read(RECIPE_PATH);
  const recipe = opts.recipe ?? (recipeBuf ? parseEnvRecipe(recipeBuf.toString("utf8")) : null);
  const eco = await withNodeInstall(detectFrom(files), files, reader);
  const family: Family = eco?.family ?? "generic";

  let fromImage: string;
  let reused = true;
  if (recipe?.image) {
    fromImage = recipe.image;
    if (!(await imageId(fromImage))) {
      throw new InfraError(`recipe image ${fromImage} not found (build or pull it first)`);
    }
  } else {
    const baseImage = opts.baseImage ?? recipe?.base ?? process.env.FIXPOINT_BASE_IMAGE ?? DEFAULT_BASE_IMAGE;
    const fam = await ensureFamilyImage(family, baseImage, log);
    fromImage = fam.image;
    reused = fam.reused;
  }

  const install = recipe && recipe.setup.length > 0 ? recipe.setup : (eco?.install ?? []);
  const manifests = opts.manifests === false ? [] : (eco?.manifests ?? []);
  const wanted = [...new Set([...manifests, ...(recipe?.copy ?? [])])].filter((f) => files.includes(f));
  const testCommand = recipe?.test_command ?? eco?.testCommand;
  let node: NodePlan | undefined;
  if (family === "node" && install.length > 0) {
    try {
      node = await planNode(files, reader.read, recipe?.node, await imageNodeMajor(fromImage));
    } catch (e) {
      throw new UsageError(`node version of ${opts.repoPath}: ${errorMessage(e)}`);
    }
    if (node.installMajor !== null)
      log.info({ node: node.requirement }, `sandbox: Node ${node.installMajor} for this commit`);
  }
  const result = (image: string, r: boolean): EnvironmentImage => ({
    image,
    reused: r,
    family,
    ...(testCommand ? { testCommand } : {}),
    ...(node
      ? {
          node: {
            requirement: node.requirement,
            imageMajor: node.imageMajor,
            installMajor: node.installMajor,
          },
        }
      : {}),
  });
  if (install.length === 0) return result(fromImage, reused);
  // C/C++: the warm-up build needs the sources (whether the commands are detected or a recipe's).
  if (eco?.sources && (opts.manifests !== false || install === eco.install)) {
    const built = await buildNativeImage(opts.repoPath, fromImage, install, log, opts.baseCommit);
    return result(built.image, built.reused && reused);
  }

  const context = new Map<string, Buffer | string>();
  for (const f of wanted.sort()) {
    const buf = await reader.read(f);
    if (buf) context.set(`ctx/${f}`, buf);
  }
  const keep = family === "node" ? "! -name node_modules" : "";
  // Behind a TLS-intercepting proxy, npm/yarn/pnpm fail (SELF_SIGNED_CERT_IN_CHAIN) unless the
  // build trusts the CAs the host trusts; other families' images are left as they were.
  const ca = family === "node" || usesNodePackageManager(install) ? hostExtraCaBundle() : null;
  const hasManifests = context.size > 0;
  if (ca) context.set(EXTRA_CA_NAME, ca);
  const dockerfile = [
    `FROM ${fromImage}`,
    "WORKDIR /testbed",
    ...(ca ? extraCaLines() : []),
    ...(node?.lines ?? []),
    hasManifests ? "COPY ctx/ /testbed/" : "",
    ...install.map((c) => `RUN ${c.replace(/\n/g, " \\\n  ")}`),
    // Only installed dependencies stay; the checkout arrives later with the real files.
    `RUN find /testbed -mindepth 1 -maxdepth 1 ${keep} -exec rm -rf {} +`,
    "",
  ]
    .filter((l) => l !== "")
    .join("\n");
  const fromId = (await imageId(fromImage)) ?? fromImage;
  const hash = sha(dockerfile, fromId, ...[...context].flat());
  const repoName = sanitizeName(basename(opts.repoPath.replace(/\/+$/, "")) || "repo");
  const image = `fixpoint-env/${repoName}:${hash.slice(0, 16)}`;
  if (await imageId(image)) return result(image, reused);
  log.info({ image }, "sandbox: installing the repository's dependencies into an image");
  context.set("Dockerfile", dockerfile);
  await dockerBuild(image, context, {}, log);
  return result(image, false);
}

/**
 * A C/C++ repository image: the checkout and its submodules built once to warm ccache. Tagged by
 * the build configuration (family image, commands, submodule commits, repository), not by the
 * sources: one image serves every commit, and a task's build compiles only what differs.
 */
async function buildNativeImage(
  repoPath: string,
  fromImage: string,
  install: string[],
  log: Logger,
  commit?: string,
): Promise<{ image: string; reused: boolean }> {
  const repo = await resolveRepository(repoPath);
  const sha1 = await resolveCommit(repo, commit ?? "HEAD");
  const subs = await findSubmodules(repo, sha1);
  const head = [`FROM ${fromImage}`, "WORKDIR /testbed", "COPY ctx/ /testbed/"];
  const body = install.map((c) => `RUN ${c.replace(/\n/g, " \\\n  ")}`);
  const pins = subs.map((s) => `${s.path}@${s.commit}${s.source ? "" : " (missing)"}`);
  const dockerfile = [...head, ...body, ...nativeCleanup(subs), ""].join("\n");
  const fromId = (await imageId(fromImage)) ?? fromImage;
  const hash = sha(dockerfile, fromId, repo, ...pins);
  const image = `fixpoint-env/${sanitizeName(basename(repoPath.replace(/\/+$/, "")) || "repo")}:${hash.slice(0, 16)}`;
  if (await imageId(image)) return { image, reused: true };
  log.info(
    { image, commit: sha1, submodules: pins },
    "sandbox: building the project once into an image (ccache)",
  );
  const { entries } = await nativeContext(repo, sha1, subs, log);
  const context = new Map<string, Buffer | string | ContextEntry>(entries);
  context.set("Dockerfile", dockerfile);
  await dockerBuild(image, context, {}, log);
  return { image, reused: false };
}
