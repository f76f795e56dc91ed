/** `fixpoint demo` solves the bundled example; `replay` reproduces its patch; `show` summarizes it. */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { tempDir } from "../support/fixtures.js";

describe("demo → replay → show", () => {
  const out = tempDir("demo-out");
  let trajectory = "";

  it("demo solves the bundled example with the scripted model and says so", () => {
    const human = runCli(["demo", "--sandbox", "local", "--out", out]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/scripted model/);
    expect(human.stdout).toMatch(/submitted \(solved\)/);
    expect(human.stdout).toMatch(/\+ {4}total \+= Number/);

    const json = runCli(["demo", "--sandbox", "local", "--out", out, "--json"]);
    expect(json.code, json.stderr).toBe(0);
    const result = JSON.parse(json.stdout.trim());
    expect(result).toMatchObject({ status: "submitted", solved: true, sandbox: "local" });
    expect(readFileSync(result.patchPath, "utf8")).toContain("total += Number");
    trajectory = result.trajectoryPath;
    expect(readdirSync(out)).toHaveLength(2);
  });

  it("replay reproduces the same patch without a model", () => {
    const r = runCli(["replay", trajectory, "--sandbox", "local", "--out", tempDir("replay-out")]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/reproduced/);
  });

  it("replay notices a trajectory whose recorded patch differs", () => {
    const t = JSON.parse(readFileSync(trajectory, "utf8"));
    t.patch = `${t.patch}\n# tampered`;
    const tampered = join(tempDir("tampered"), "trajectory.json");
    writeFileSync(tampered, JSON.stringify(t));
    const r = runCli(["replay", tampered, "--sandbox", "local", "--out", tempDir("replay-out")]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/not reproduced/);
  });

  it("show prints a readable summary", () => {
    const r = runCli(["show", trajectory]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/js-duration/);
    expect(r.stdout).toMatch(/submitted/);
    expect(r.stdout).toMatch(/str_replace src\/duration\.js/);
    expect(r.stdout).toMatch(/gate passed · \d+ passed, 0 failed/);
    expect(r.stdout).toMatch(/ran the whole suite: the whole suite fits/);
    const bad = runCli(["show", "/no/such/trajectory.json"]);
    expect(bad.code).toBe(2);
  });
});
