import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { readActionInputs } from "../../src/action/index.js";

const ROOT = join(import.meta.dirname, "..", "..");
/** A GitHub Actions expression, `${{ inner }}`. */
const expr = (inner: string) => `\${{ ${inner} }}`;
interface Step {
  id?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}
const action = parse(readFileSync(join(ROOT, "action.yml"), "utf8")) as {
  inputs: Record<string, { default?: string; required?: boolean }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: Step[] };
};
const workflow = parse(readFileSync(join(ROOT, "src/action/example-workflow.yml"), "utf8")) as {
  on: Record<string, { types: string[] }>;
  permissions: Record<string, string>;
  concurrency: { group: string };
  jobs: Record<string, { steps: Step[] }>;
};

describe("action.yml", () => {
  const runStep = action.runs.steps.find((s) => s.id === "run")!;

  it("is a composite action whose run step receives every input", () => {
    expect(action.runs.using).toBe("composite");
    for (const name of Object.keys(action.inputs)) {
      const env = `INPUT_${name.toUpperCase().replaceAll("-", "_")}`;
      expect(runStep.env?.[env], env).toBe(`\${{ inputs.${name} }}`);
    }
    // The entry point is src/action/main.ts, run by tsx from the Action's own checkout.
    const entry = /"\$GITHUB_ACTION_PATH\/(src\/[\w/.-]+\.ts)"/.exec(runStep.run ?? "")?.[1];
    expect(entry).toBe("src/action/main.ts");
    expect(existsSync(join(ROOT, entry!))).toBe(true);
    for (const out of ["status", "pr-url", "branch", "cost"]) {
      expect(action.outputs[out]?.value).toBe(`\${{ steps.run.outputs.${out} }}`);
    }
  });

  it("has the documented, safe defaults, which the entry point accepts", () => {
    expect(action.inputs["api-key"]?.required).toBe(true);
    expect(action.inputs["github-token"]?.default).toBe(expr("github.token"));
    const env: Record<string, string> = {};
    for (const [name, spec] of Object.entries(action.inputs)) {
      if (spec.default !== undefined && !spec.default.includes("${{")) {
        env[`INPUT_${name.toUpperCase().replaceAll("-", "_")}`] = spec.default;
      }
    }
    expect(readActionInputs(env)).toMatchObject({
      label: "fixpoint",
      command: "/fixpoint",
      draft: true,
      sandbox: "docker",
      maxCostUsd: 2,
      maxTimeMs: 30 * 60_000,
      branch: "fixpoint/issue-{n}",
      allowedBots: [],
    });
  });

  it("installs runtime dependencies only, and tsx (which runs the sources) is one of them", () => {
    const install = action.runs.steps.find((s) => s.run?.includes("npm ci"))!.run!;
    expect(install).toContain("npm ci --omit=dev");
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    expect(pkg.dependencies.tsx).toBeDefined();
    expect(runStep.run).toContain("node_modules/.bin/tsx");
  });
});

describe("example workflow", () => {
  const steps = Object.values(workflow.jobs)[0]!.steps;

  it("asks for exactly the permissions it needs and one run per repository", () => {
    expect(workflow.permissions).toEqual({ contents: "write", issues: "write", "pull-requests": "write" });
    expect(workflow.concurrency.group).toBe(`fixpoint-${expr("github.repository")}`);
    expect(workflow.on).toEqual({ issues: { types: ["labeled"] }, issue_comment: { types: ["created"] } });
  });

  it("checks out without persisting the token, passes only declared inputs, and uploads the artifacts", () => {
    expect(steps[0]).toMatchObject({ uses: "actions/checkout@v4", with: { "persist-credentials": false } });
    const fix = steps.find((s) => s.id === "fixpoint")!;
    for (const key of Object.keys(fix.with ?? {})) expect(Object.keys(action.inputs)).toContain(key);
    expect(fix.with?.["api-key"]).toBe(expr("secrets.ANTHROPIC_API_KEY"));
    const upload = steps.find((s) => s.uses?.startsWith("actions/upload-artifact"))!;
    const runStep = action.runs.steps.find((s) => s.id === "run")!;
    expect(upload.with?.path).toBe(runStep.env?.FIXPOINT_ARTIFACTS_DIR);
  });
});
