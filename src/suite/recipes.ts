/**
 * Per-repository recipes for suites: `environments/recipes/<owner>__<name>/<version>.yaml`, or
 * `default.yaml` in the same folder. A recipe names an image, or a base image plus Debian
 * packages and setup commands to build one; and how the tests run (command, parser, and whether
 * to select the test files of the test patch, as SWE-bench does, or the named tests).
 */
import { existsSync, readFileSync } from "node:fs";
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
    /** Debian packages installed into the image. */
    packages: z
      .array(z.string().regex(/^[a-z0-9][a-z0-9+.-]*(=[\w.:~+-]+)?$/, "must be a Debian package name"))
      .default([]),
    /** Shell commands run while building, in /testbed with the repository's manifests. */
    setup: z.array(z.string().min(1)).default([]),
    /** The test command, run from the checkout root; selected tests or files are appended. */
    test_command: z.string().min(1),
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

/** The recipe for OWNER/NAME at `version` (or the repository's default.yaml); null when none. */
export function findRecipe(
  repoName: string,
  version: string | undefined,
  dir = BUILTIN_RECIPES_DIR,
): FoundRecipe | null {
  const folder = join(dir, repoName.replace("/", "__"));
  const names = [...(version ? [`${version}.yaml`] : []), "default.yaml"];
  for (const n of names) {
    const path = join(folder, n);
    if (existsSync(path)) return { path, recipe: parseSuiteRecipe(readFileSync(path, "utf8"), path) };
  }
  return null;
}
