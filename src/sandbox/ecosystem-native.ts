/**
 * The C/C++ family: CMake, autotools and plain Make projects. Their "dependencies" are the
 * toolchain (environments/cpp) and the project's own build, so the repository image is made
 * differently from the other families:
 *
 * - the whole checkout of the base commit (and its submodules, read from local clones) goes into
 *   the build context, and a warm-up build fills ccache (CCACHE_DIR=/opt/ccache in the family
 *   image) and, for CMake, a build directory outside the checkout (/opt/build);
 * - the image's tag is not a hash of the sources: one image serves every commit of the
 *   repository with the same build configuration (family image, recipe, submodule commits).
 *   A task's own build then recompiles only what differs from the warmed commit, since ccache
 *   keys objects by content, not by the fresh checkout's timestamps;
 * - submodule trees stay in the image's /testbed (the checkout arrives on top of them, and a
 *   gitlink brings no files of its own).
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import tar from "tar-stream";
import { git, InfraError } from "../common/index.js";
import type { Logger } from "../log/index.js";

export type NativeBuild = "cmake" | "autotools" | "make";

/** A file of a build context: contents and mode, or a symbolic link. */
export type ContextEntry = { content: Buffer; mode: number } | { linkname: string };

/** Where CMake builds, outside the checkout so that it survives the checkout's replacement. */
export const CMAKE_BUILD_DIR = "/opt/build";
/** The checkout the image was warmed for. */
const CHECKOUT = "/testbed";
/** Where a tree other than the checkout builds (under its own path). */
const OTHER_TREES_BUILD_DIR = "/tmp/fixpoint-build";

const depth = (p: string) => p.split("/").length - 1;

/** Build files: what makes two commits' builds differ in configuration (shown, not hashed). */
function buildFiles(files: string[], kind: NativeBuild): string[] {
  const near = (f: string) => depth(f) <= 3;
  if (kind === "cmake")
    return files.filter((f) => near(f) && (basename(f) === "CMakeLists.txt" || f.endsWith(".cmake")));
  if (kind === "autotools")
    return files.filter(
      (f) =>
        near(f) &&
        (/^(configure\.(ac|in)|Makefile\.am)$/.test(basename(f)) || (depth(f) === 1 && f.startsWith("m4/"))),
    );
  return files.filter((f) => depth(f) <= 1 && /^(GNUmakefile|[Mm]akefile)$/.test(basename(f)));
}

/** Which build system the top level of `files` uses (CMake first: it is the more specific). */
export function nativeBuildKind(files: string[]): NativeBuild | null {
  const top = new Set(files.filter((f) => depth(f) === 0));
  if (top.has("CMakeLists.txt")) return "cmake";
  if (top.has("configure.ac") || top.has("configure.in") || top.has("configure")) return "autotools";
  if (top.has("Makefile") || top.has("makefile") || top.has("GNUmakefile")) return "make";
  return null;
}

// Autotools: regenerate when the sources carry configure.ac (a git checkout rarely has
// `configure`), fall back to a shipped configure; then configure once per container.
const AUTOTOOLS_CONFIGURE =
  "{ { [ ! -f configure.ac ] && [ ! -f configure.in ]; } || autoreconf -i || [ -x configure ]; } && ./configure";

/** The commands of a warm-up build (in /testbed, full checkout there); never fatal. */
export function warmupCommands(kind: NativeBuild, jobs = 2): string[] {
  const build =
    kind === "cmake"
      ? `cmake -S /testbed -B ${CMAKE_BUILD_DIR} && cmake --build ${CMAKE_BUILD_DIR} -j${jobs}`
      : kind === "autotools"
        ? `${AUTOTOOLS_CONFIGURE} && make -j${jobs}`
        : `make -j${jobs}`;
  // The cache is an accelerator: a commit that does not build here still yields an image, and
  // the task's own build shows the error.
  const warm = `{ ${build}; } || echo "fixpoint: the warm-up build failed; the cache keeps what compiled"`;
  if (kind !== "cmake") return [warm];
  // The build tree stays configured but without its products: a task's checkout carries its
  // commit's timestamps (older than these objects), so make would keep objects of the warmed
  // commit for sources that differ. Rebuilt from ccache instead, they match the task's sources.
  return [warm, `cmake --build ${CMAKE_BUILD_DIR} --target clean || rm -rf ${CMAKE_BUILD_DIR}/*`];
}

/** Build and run the tests, from the checkout root; what a run's build reuses is in the image. */
export function nativeTestCommand(kind: NativeBuild, jobs = 2): string {
  if (kind === "cmake")
    // The checkout builds where the image warmed it; another tree (the gate's pristine copy of
    // the base commit, which runs beside it) in a folder of its own: CMake refuses a build folder
    // configured for other sources, and two builds must not share one.
    return `b=${CMAKE_BUILD_DIR}; [ "$PWD" = ${CHECKOUT} ] || b=${OTHER_TREES_BUILD_DIR}$PWD; cmake -S . -B "$b" && cmake --build "$b" -j${jobs} && ctest --test-dir "$b" --output-on-failure`;
  if (kind === "autotools")
    return `{ [ -f Makefile ] || { ${AUTOTOOLS_CONFIGURE}; }; } && make -j${jobs} && make check`;
  // Plain Make: `check` when the Makefile has it (make -n says so without running), else
  // `test`; the target goes through a variable so that the command names no parser it may not
  // have (the output says which, if any).
  return `make -j${jobs} && t=check && { make -n "$t" >/dev/null 2>&1 || t=test; } && make "$t"`;
}

export interface NativeEcosystem {
  family: "cpp";
  packageManager: NativeBuild;
  manifests: string[];
  install: string[];
  testCommand: string;
  /** The build context is the whole checkout, not the manifests alone. */
  sources: true;
}

export function detectNative(files: string[]): NativeEcosystem | null {
  const kind = nativeBuildKind(files);
  if (!kind) return null;
  return {
    family: "cpp",
    packageManager: kind,
    manifests: buildFiles(files, kind),
    install: warmupCommands(kind),
    testCommand: nativeTestCommand(kind),
    sources: true,
  };
}

/** The entries of `git archive` of `commit` (files with their modes, symbolic links), under `prefix`. */
async function archiveEntries(
  repo: string,
  commit: string,
  prefix: string,
): Promise<Map<string, ContextEntry>> {
  const dir = await mkdtemp(join(tmpdir(), "fixpoint-archive-"));
  try {
    const file = join(dir, "tree.tar");
    const r = await git(["archive", "--format=tar", "-o", file, commit], repo);
    if (r.code !== 0) throw new InfraError(`git archive ${commit} failed in ${repo}: ${r.stderr.trim()}`);
    const out = new Map<string, ContextEntry>();
    const extract = tar.extract();
    await new Promise<void>((resolve, reject) => {
      extract.on("entry", (header, stream, next) => {
        const chunks: Buffer[] = [];
        stream.on("data", (c: unknown) => chunks.push(c as Buffer));
        stream.on("end", () => {
          const name = `${prefix}${header.name}`;
          if (header.type === "file")
            out.set(name, { content: Buffer.concat(chunks), mode: header.mode ?? 0o644 });
          else if (header.type === "symlink" && header.linkname) out.set(name, { linkname: header.linkname });
          next();
        });
        stream.resume();
      });
      extract.on("finish", resolve);
      extract.on("error", reject);
      readFile(file).then((buf) => extract.end(buf), reject);
    });
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface Submodule {
  path: string;
  commit: string;
  url: string;
  /** A local repository holding `commit`, when one was found. */
  source?: string;
}

/** `owner/name` of a hosted repository URL (`https://github.com/kkos/oniguruma.git`), or null. */
function ownerName(url: string): [string, string] | null {
  const m = /[/:]([^/:]+)\/([^/]+?)(?:\.git)?\/?$/.exec(url.trim());
  return m ? [m[1]!, m[2]!] : null;
}

/**
 * Where a submodule's objects may be on this machine: the superproject's own
 * `.git/modules/<name>` (a checkout with its submodules initialised), the submodule's work
 * tree, or — when the superproject is a mirror laid out as `ROOT/OWNER+NAME/repo` — a mirror
 * beside it.
 */
function submoduleCandidates(
  repo: string,
  gitDir: string,
  name: string,
  path: string,
  url: string,
): string[] {
  const out = [join(gitDir, "modules", name), join(repo, path)];
  const on = ownerName(url);
  if (on) {
    const [owner, repoName] = on;
    const root = basename(repo) === "repo" ? dirname(dirname(repo)) : dirname(repo);
    out.push(
      join(root, `${owner}+${repoName}`, "repo"),
      join(root, `${owner}+${repoName}`),
      join(root, owner, repoName),
    );
  }
  return out;
}

/** The submodules of `commit` (gitlinks named in .gitmodules) and a local source for each. */
export async function findSubmodules(repo: string, commit: string): Promise<Submodule[]> {
  const conf = await git(
    ["config", "--blob", `${commit}:.gitmodules`, "--get-regexp", "^submodule\\..*\\.(path|url)$"],
    repo,
  );
  if (conf.code !== 0) return [];
  const byName = new Map<string, { path?: string; url?: string }>();
  for (const line of conf.stdout.split("\n")) {
    const m = /^submodule\.(.+)\.(path|url) (.+)$/.exec(line.trim());
    if (!m) continue;
    const e = byName.get(m[1]!) ?? {};
    e[m[2] as "path" | "url"] = m[3]!;
    byName.set(m[1]!, e);
  }
  const gitDirR = await git(["rev-parse", "--absolute-git-dir"], repo);
  const gitDir = gitDirR.code === 0 ? gitDirR.stdout.trim() : join(repo, ".git");
  const out: Submodule[] = [];
  for (const [name, e] of byName) {
    if (!e.path || !e.url) continue;
    const ls = await git(["ls-tree", commit, "--", e.path], repo);
    const m = /^160000 commit ([0-9a-f]{40,64})\t/.exec(ls.stdout);
    if (!m) continue;
    const sub: Submodule = { path: e.path, commit: m[1]!, url: e.url };
    for (const cand of submoduleCandidates(repo, gitDir, name, e.path, e.url)) {
      const has = await git(["cat-file", "-e", `${sub.commit}^{commit}`], cand).catch(() => null);
      if (has?.code === 0) {
        sub.source = cand;
        break;
      }
    }
    out.push(sub);
  }
  return out;
}

export interface NativeContext {
  /** The checkout with its submodules, keyed `ctx/<path>`. */
  entries: Map<string, ContextEntry>;
  submodules: Submodule[];
}

/** The whole tree of `commit` with the submodules that could be found, for the build context. */
export async function nativeContext(
  repo: string,
  commit: string,
  submodules: Submodule[],
  log: Logger,
): Promise<NativeContext> {
  const entries = await archiveEntries(repo, commit, "ctx/");
  for (const sub of submodules) {
    if (!sub.source) {
      log.warn(
        { path: sub.path, url: sub.url, commit: sub.commit },
        "sandbox: submodule not found locally; built without it",
      );
      continue;
    }
    for (const [name, entry] of await archiveEntries(sub.source, sub.commit, `ctx/${sub.path}/`))
      entries.set(name, entry);
  }
  return { entries, submodules };
}

/**
 * Dockerfile lines that empty /testbed after the warm-up but keep the submodule trees, pristine
 * (as the context had them, without the warm-up's build products), and open the caches to any
 * sandbox user.
 */
export function nativeCleanup(submodules: Submodule[]): string[] {
  const kept = submodules.filter((s) => s.source);
  return [
    "RUN find /testbed -mindepth 1 -maxdepth 1 -exec rm -rf {} +",
    ...kept.map((s) => `COPY ctx/${s.path}/ /testbed/${s.path}/`),
    `RUN chmod -R a+rwX /opt/ccache ${CMAKE_BUILD_DIR} /testbed && (ccache -s || true)`,
  ];
}
