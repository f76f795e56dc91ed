/**
 * Per-repository recipes for suites: `environments/recipes/<owner>__<name>/<version>.yaml` or
 * `default.yaml` in the same folder. A recipe named for a version applies from that version up to
 * the next one named (`7.0.yaml` serves 7.0, 7.1, 7.4…; `default.yaml` the versions below the
 * first and tasks without a version). A recipe names an image, or a base image plus Debian
 * packages and setup commands to build one; and, as a fallback for repositories SWE-bench's specs
 * (`environments/swebench/`) do not cover, how the tests run (command, parser, and whether to
 * select the test files of the test patch, as SWE-bench does, or the named tests).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";
import { z } from "zod";
import { describeZodError, errorMessage, UsageError } from "../common/index.js";

export const BUILTIN_RECIPES_DIR = fileURLToPath(new URL("../../environments/recipes/", import.meta.url));

export const SuiteRecipeSchema = z
  .object({
    /** An existing image to run the task in; nothing is built. */
    image: z.string().min(1).optional(),
    /** Base image for the build (default FIXPOINT_BASE_IMAGE, else debian:bookworm-slim). */
    base: z.string().min(1).optional(),
    /** Debian packages installed into the image (`name` or `name=version`). */
    packages: z
      .array(z.string().regex(/^[a-z0-9][a-z0-9+.-]*(=[\w.:~+-]+)?$/, "must be a Debian package name"))
      .default([]),
    /** Shell commands run while building, in /testbed with the repository's manifests. */
    setup: z.array(z.string().min(1)).default([]),
    /**
     * Shell commands run in /testbed once the checkout is there, before its tests: what
     * SWE-bench's `pip install -e .` does beyond putting the checkout on sys.path, such as
     * building C extensions in place (astropy). They must be idempotent and cheap the second
     * time, since they may run before every test run.
     */
    install: z.array(z.string().min(1)).default([]),
    /**
     * The test command, run from the checkout root; selected tests or files are appended. A
     * SWE-bench spec for the repository wins over it; without either, the command is detected.
     */
    test_command: z.string().min(1).optional(),
    /** Node version for a node repository (`16`, `>=12 <15`); default: what the commit's files ask for. */
    node: z.string().min(1).optional(),
    /** Parser for the output (pytest, unittest, go, node:test, jest, …); default from the command. */
    framework: z.string().min(1).optional(),
    /** `files`: run the test files the test patch touches (SWE-bench); `ids`: run the named tests. */
    test_selection: z.enum(["files", "ids"]).optional(),
    /** Why the recipe looks the way it does (shown nowhere; for readers). */
    notes: z.string().optional(),
  })
  .strict()
  .refine((r) => !(r.image && (r.base || r.packages.length || r.setup.length)), {
    message: "image cannot be combined with base, packages or setup",
  });
export type SuiteRecipe = z.infer<typeof SuiteRecipeSchema>;

export interface FoundRecipe {
  path: string;
  recipe: SuiteRecipe;
}

export function parseSuiteRecipe(text: string, where: string): SuiteRecipe {
  let data: unknown;
  try {
    data = YAML.parse(text);
  } catch (e) {
    throw new UsageError(`${where}: not valid YAML: ${errorMessage(e).split("\n")[0]}`);
  }
  const r = SuiteRecipeSchema.safeParse(data ?? {});
  if (!r.success) throw new UsageError(describeZodError(where, r.error.issues));
  return r.data;
}

/** A version's numeric parts (`v5.3` → [5, 3], `2022.03` → [2022, 3]); null when not a version. */
export function versionParts(v: string): number[] | null {
  const m = /^v?(\d+(?:\.\d+)*)$/.exec(v.trim());
  return m?.[1] ? m[1].split(".").map(Number) : null;
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The recipe file for `version` among `files` (names in a repository's recipe folder): the one
 * named for it exactly, else the one named for the highest version below it, else
 * `default.yaml`; null when none applies.
 */
export function pickRecipeFile(files: string[], version: string | undefined): string | null {
  if (version !== undefined && files.includes(`${version}.yaml`)) return `${version}.yaml`;
  const wanted = version === undefined ? null : versionParts(version);
  if (wanted) {
    let best: { file: string; parts: number[] } | null = null;
    for (const file of files) {
      if (!file.endsWith(".yaml") || file === "default.yaml") continue;
      const parts = versionParts(file.slice(0, -".yaml".length));
      if (!parts || compareVersions(parts, wanted) > 0) continue;
      if (!best || compareVersions(parts, best.parts) > 0) best = { file, parts };
    }
    if (best) return best.file;
  }
  return files.includes("default.yaml") ? "default.yaml" : null;
}

/** The recipe for OWNER/NAME at `version` (see `pickRecipeFile`); null when none. */
export function findRecipe(
  repoName: string,
  version: string | undefined,
  dir = BUILTIN_RECIPES_DIR,
): FoundRecipe | null {
  const folder = join(dir, repoName.replace("/", "__"));
  if (!existsSync(folder)) return null;
  const file = pickRecipeFile(readdirSync(folder), version);
  if (!file) return null;
  const path = join(folder, file);
  return { path, recipe: parseSuiteRecipe(readFileSync(path, "utf8"), path) };
}
