/**
 * Makes the fixture suite: every fixture of `evals/fixtures/` as a SWE-bench-style task record,
 * its repository committed into a mirror folder (`<out>/mirror/fixpoint-fixtures+<name>/repo`),
 * plus two prediction files for harness checks: the gold patches and empty patches.
 *
 *   npx tsx evals/suite/make-fixture-suite.ts --out /tmp/fixture-suite [--fixtures a,b]
 *
 * Writes <out>/tasks.jsonl, <out>/gold.jsonl, <out>/empty.jsonl and <out>/mirror/. Run it with
 *   fixpoint suite run <out>/tasks.jsonl --mirror <out>/mirror --model 'scripted:{script}' --out RUNS
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { listFixtures, loadFixture, materializeFixture } from "../../src/task/index.js";

export const FIXTURE_OWNER = "fixpoint-fixtures";

export interface FixtureSuite {
  tasksPath: string;
  goldPath: string;
  emptyPath: string;
  mirror: string;
  ids: string[];
}

export async function makeFixtureSuite(
  outDir: string,
  names: string[] = listFixtures(),
): Promise<FixtureSuite> {
  const out = resolve(outDir);
  const mirror = join(out, "mirror");
  mkdirSync(mirror, { recursive: true });
  const tasks: string[] = [];
  const gold: string[] = [];
  const empty: string[] = [];
  const ids: string[] = [];
  for (const name of names) {
    const fixture = loadFixture(name);
    const repoDir = join(mirror, `${FIXTURE_OWNER}+${name}`, "repo");
    rmSync(repoDir, { recursive: true, force: true });
    const task = await materializeFixture(fixture, repoDir);
    const id = `${FIXTURE_OWNER}__${name}`;
    ids.push(id);
    tasks.push(
      JSON.stringify({
        repo: `${FIXTURE_OWNER}/${name}`,
        instance_id: id,
        base_commit: task.baseCommit,
        problem_statement: task.problemStatement,
        hints_text: "",
        patch: fixture.goldPatch,
        test_patch: "",
        FAIL_TO_PASS: JSON.stringify(task.tests?.failToPass ?? []),
        PASS_TO_PASS: JSON.stringify(task.tests?.passToPass ?? []),
        version: "fixture",
        environment_setup_commit: task.baseCommit,
        test_command: task.tests?.command,
        language: fixture.language,
        script: fixture.scriptPath,
      }),
    );
    gold.push(
      JSON.stringify({ instance_id: id, model_name_or_path: "gold", model_patch: fixture.goldPatch }),
    );
    empty.push(JSON.stringify({ instance_id: id, model_name_or_path: "empty", model_patch: "" }));
  }
  const write = (f: string, lines: string[]) => writeFileSync(join(out, f), `${lines.join("\n")}\n`);
  write("tasks.jsonl", tasks);
  write("gold.jsonl", gold);
  write("empty.jsonl", empty);
  return {
    tasksPath: join(out, "tasks.jsonl"),
    goldPath: join(out, "gold.jsonl"),
    emptyPath: join(out, "empty.jsonl"),
    mirror,
    ids,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { out: { type: "string" }, fixtures: { type: "string" } } });
  if (!values.out) {
    console.error("usage: make-fixture-suite.ts --out DIR [--fixtures a,b]");
    process.exit(2);
  }
  const suite = await makeFixtureSuite(values.out, values.fixtures ? values.fixtures.split(",") : undefined);
  console.log(JSON.stringify(suite, null, 2));
}
