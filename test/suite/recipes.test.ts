/**
 * Suite recipes: which file serves a task's version, and what the shipped recipes promise (a
 * Debian base they name, SWE-bench's Python where bullseye has it).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  BUILTIN_RECIPES_DIR,
  findRecipe,
  parseSuiteRecipe,
  pickRecipeFile,
  versionParts,
} from "../../src/suite/recipes.js";

describe("recipe lookup by version", () => {
  it("reads versions as SWE-bench spells them", () => {
    expect(versionParts("1.10")).toEqual([1, 10]);
    expect(versionParts("v5.3")).toEqual([5, 3]);
    expect(versionParts("2022.03")).toEqual([2022, 3]);
    expect(versionParts("default")).toBeNull();
    expect(versionParts("1.x")).toBeNull();
  });

  it("takes the exact version, else the highest version below, else default.yaml", () => {
    const files = ["default.yaml", "7.0.yaml", "8.0.yaml", "1.9.yaml", "notes.md"];
    expect(pickRecipeFile(files, "7.0")).toBe("7.0.yaml");
    expect(pickRecipeFile(files, "7.4")).toBe("7.0.yaml");
    expect(pickRecipeFile(files, "8.2")).toBe("8.0.yaml");
    expect(pickRecipeFile(files, "1.10")).toBe("1.9.yaml"); // 1.10 comes after 1.9, not before
    expect(pickRecipeFile(files, "6.3")).toBe("1.9.yaml");
    expect(pickRecipeFile(files, "1.2")).toBe("default.yaml");
    expect(pickRecipeFile(files, undefined)).toBe("default.yaml");
    expect(pickRecipeFile(files, "main")).toBe("default.yaml");
    expect(pickRecipeFile(["7.0.yaml"], "6.0")).toBeNull();
    expect(pickRecipeFile(["7.0.yaml"], "v7.1")).toBe("7.0.yaml");
  });

  const dir = mkdtempSync(join(tmpdir(), "fixpoint-recipes-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("finds the file in a recipes folder and parses it", () => {
    mkdirSync(join(dir, "o__r"));
    writeFileSync(join(dir, "o__r", "default.yaml"), "packages: [python3-a]\n");
    writeFileSync(join(dir, "o__r", "2.0.yaml"), "base: img:2\npackages: [python3-b]\ntest_command: t\n");
    expect(findRecipe("o/r", "1.5", dir)?.recipe.packages).toEqual(["python3-a"]);
    expect(findRecipe("o/r", "2.3", dir)?.recipe).toMatchObject({ base: "img:2", test_command: "t" });
    expect(findRecipe("o/other", "2.3", dir)).toBeNull();
  });
});

describe("shipped recipes", () => {
  const all = readdirSync(BUILTIN_RECIPES_DIR).flatMap((repo) =>
    readdirSync(join(BUILTIN_RECIPES_DIR, repo)).map((f) => join(BUILTIN_RECIPES_DIR, repo, f)),
  );

  it("are all valid and name a locally bootstrapped Debian base", () => {
    expect(all.length).toBeGreaterThan(0);
    for (const path of all) {
      const r = parseSuiteRecipe(readFileSync(path, "utf8"), path);
      expect(r.image, path).toBeUndefined();
      expect(r.base, path).toMatch(/^fixpoint\/debian:(bullseye|bookworm)$/);
    }
  });

  it("give sympy SWE-bench's Python (3.9: bullseye) with mpmath", () => {
    const r = findRecipe("sympy/sympy", "1.11")?.recipe;
    expect(r?.base).toBe("fixpoint/debian:bullseye");
    expect(r?.packages).toContain("python3-mpmath");
    expect(findRecipe("pytest-dev/pytest", "7.4")?.path).toMatch(/pytest-dev__pytest\/7\.0\.yaml$/);
    expect(findRecipe("pytest-dev/pytest", "5.4")?.path).toMatch(/pytest-dev__pytest\/default\.yaml$/);
  });
});
