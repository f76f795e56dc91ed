/**
 * The C/C++ family: which build system detection sees, where it finds submodule sources, and
 * the commands it proposes. The Docker side (an image built once, tests run from it) is in
 * native-docker.test.ts.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findSubmodules, nativeBuildKind, nativeTestCommand } from "../../src/sandbox/ecosystem-native.js";
import { detectEcosystem } from "../../src/sandbox/index.js";
import { frameworkFromCommand } from "../../src/testing/index.js";
import { git } from "./helpers.js";

const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

function commitFiles(path: string, files: Record<string, string>): void {
  mkdirSync(path, { recursive: true });
  if (!files[".keep"]) git(path, "init", "-q", "-b", "main");
  for (const [k, v] of Object.entries(files)) {
    mkdirSync(dirname(join(path, k)), { recursive: true });
    writeFileSync(join(path, k), v);
  }
  git(path, "add", "-A");
  git(path, "commit", "-q", "-m", "init");
}

function repoWith(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "fixpoint-test-native-"));
  made.push(root);
  const path = join(root, "repo");
  commitFiles(path, files);
  return path;
}

describe("C/C++ detection", () => {
  it.each([
    [{ "CMakeLists.txt": "project(x)\n", "src/CMakeLists.txt": "", "cmake/x.cmake": "" }, "cmake", 3],
    [{ "configure.ac": "AC_INIT([x],[1])\n", "Makefile.am": "", "m4/ax.m4": "" }, "autotools", 3],
    [{ configure: "#!/bin/sh\n", "Makefile.in": "" }, "autotools", 0],
    [{ Makefile: "all:\n\ttrue\n" }, "make", 1],
    // CMake wins over a configure script shipped beside it.
    [{ "CMakeLists.txt": "", "configure.ac": "" }, "cmake", 1],
  ])("%o → cpp (%s)", async (files, kind, manifests) => {
    const eco = await detectEcosystem(repoWith({ "README.md": "x", ...files }));
    expect(eco?.family).toBe("cpp");
    expect(eco?.packageManager).toBe(kind);
    expect(eco?.manifests).toHaveLength(manifests);
    expect(eco?.sources).toBe(true);
    expect(eco?.install.join("\n")).toContain("warm-up build failed");
  });

  it("leaves a Python project with a C extension's CMakeLists to the Python family", async () => {
    const eco = await detectEcosystem(
      repoWith({ "pyproject.toml": "[project]\nname='x'\n", "CMakeLists.txt": "" }),
    );
    expect(eco?.family).toBe("python");
  });

  it("does not see build files below the top level as the project's build", () => {
    expect(nativeBuildKind(["vendor/lib/CMakeLists.txt", "README.md"])).toBeNull();
  });

  it("proposes test commands whose parser is known", () => {
    expect(frameworkFromCommand(nativeTestCommand("cmake"))).toBe("ctest");
    expect(frameworkFromCommand(nativeTestCommand("autotools"))).toBe("automake");
    // Plain Make's output may be anything: left to the output's own look.
    expect(frameworkFromCommand(nativeTestCommand("make"))).toBeUndefined();
  });
});

describe("findSubmodules", () => {
  it("finds a submodule's commit in a mirror laid out beside the superproject's (ROOT/OWNER+NAME/repo)", async () => {
    const root = mkdtempSync(join(tmpdir(), "fixpoint-test-mirror-"));
    made.push(root);
    const lib = join(root, "kkos+onig", "repo");
    commitFiles(lib, { "configure.ac": "AC_INIT([onig],[1])\n" });
    const libCommit = git(lib, "rev-parse", "HEAD").trim();
    const top = join(root, "acme+tool", "repo");
    commitFiles(top, { "configure.ac": "AC_INIT([tool],[1])\n" });
    git(top, "-c", "protocol.file.allow=always", "submodule", "add", "-q", lib, "modules/onig");
    // The URL the real project records: nothing on this machine answers it.
    git(top, "config", "-f", ".gitmodules", "submodule.modules/onig.url", "https://github.com/kkos/onig.git");
    git(top, "add", ".gitmodules");
    git(top, "commit", "-q", "-m", "submodule");
    rmSync(join(top, ".git", "modules"), { recursive: true, force: true });
    const subs = await findSubmodules(top, git(top, "rev-parse", "HEAD").trim());
    expect(subs).toEqual([
      { path: "modules/onig", commit: libCommit, url: "https://github.com/kkos/onig.git", source: lib },
    ]);
  });

  it("reports a submodule it cannot find without a source", async () => {
    const root = mkdtempSync(join(tmpdir(), "fixpoint-test-mirror-"));
    made.push(root);
    const lib = join(root, "elsewhere");
    commitFiles(lib, { "x.c": "int x;\n" });
    const top = join(root, "acme+tool", "repo");
    commitFiles(top, { "CMakeLists.txt": "" });
    git(top, "-c", "protocol.file.allow=always", "submodule", "add", "-q", lib, "third_party/x");
    git(
      top,
      "config",
      "-f",
      ".gitmodules",
      "submodule.third_party/x.url",
      "https://example.org/nobody/x.git",
    );
    git(top, "add", ".gitmodules");
    git(top, "commit", "-q", "-m", "submodule");
    rmSync(join(top, ".git", "modules"), { recursive: true, force: true });
    rmSync(join(top, "third_party"), { recursive: true, force: true });
    const subs = await findSubmodules(top, git(top, "rev-parse", "HEAD").trim());
    expect(subs).toHaveLength(1);
    expect(subs[0]?.source).toBeUndefined();
  });
});
