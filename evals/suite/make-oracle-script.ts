/**
 * Oracle scripts: for each task, a scripted model that works the way an agent would — it
 * localizes the change with the `search` tool, views the code with the editor, applies the
 * task's gold patch hunk by hunk with `editor str_replace` (new files with `create`), runs the
 * tests of the test patch with `run_tests` and submits. Taken through `suite run` then
 * `suite eval`, every task whose gold patch grades resolved must be resolved again: the agent's
 * tools, the diff they produce and the grader agree.
 *
 *   npx tsx evals/suite/make-oracle-script.ts --tasks TASKS --mirror DIR --out DIR [--instances IDS|REGEX]
 *
 * Writes <out>/<instance_id>.yaml and <out>/tasks.jsonl (the records with `script` set), for
 *   fixpoint suite run <out>/tasks.jsonl --model 'scripted:{script}' --mirror DIR --no-test-gate …
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { parsePatch } from "diff";
import YAML from "yaml";
import { findInMirror, testDirectives } from "../../src/suite/index.js";
import { loadTaskFile, type SuiteTask, selectTasks } from "../../src/task/swebench.js";

interface ToolCall {
  name: string;
  input: Record<string, unknown>;
}
interface Turn {
  text?: string;
  tool_calls: ToolCall[];
}

const strip = (p: string | undefined) => (p ?? "").replace(/^[ab]\//, "");

function count(hay: string, needle: string): number {
  let n = 0;
  for (let i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + 1)) n++;
  return n;
}

/** The turns that apply `patch` to the repository whose files `read(path)` returns at the base commit. */
export function oracleTurns(t: SuiteTask, read: (path: string) => string | null): Turn[] {
  const files = parsePatch(t.goldPatch);
  const turns: Turn[] = [];
  const first = files[0];
  const firstPath = strip(first?.newFileName === "/dev/null" ? first?.oldFileName : first?.newFileName);
  const firstHunk = first?.hunks[0];
  const probe =
    firstHunk?.lines
      .find((l) => l.startsWith("-") && l.slice(1).trim().length > 8)
      ?.slice(1)
      .trim() ??
    firstHunk?.lines
      .find((l) => l.startsWith(" ") && l.slice(1).trim().length > 8)
      ?.slice(1)
      .trim();
  turns.push({
    text: "I will find the code the issue is about.",
    tool_calls: [
      {
        name: "plan",
        input: {
          steps: [
            { step: "Localize the code", status: "in_progress" },
            { step: "Edit it", status: "pending" },
            { step: "Run the tests and submit", status: "pending" },
          ],
        },
      },
      probe
        ? { name: "search", input: { pattern: probe } }
        : { name: "bash", input: { command: `ls ${firstPath}` } },
    ],
  });
  for (const f of files) {
    const oldPath = strip(f.oldFileName);
    const newPath = strip(f.newFileName);
    if (f.oldFileName === "/dev/null" || (!read(newPath) && f.hunks.every((h) => h.oldLines === 0))) {
      const content = f.hunks.flatMap((h) => h.lines.filter((l) => l.startsWith("+")).map((l) => l.slice(1)));
      turns.push({
        tool_calls: [
          {
            name: "editor",
            input: { command: "create", path: newPath, file_text: `${content.join("\n")}\n` },
          },
        ],
      });
      continue;
    }
    if (f.newFileName === "/dev/null") {
      turns.push({ tool_calls: [{ name: "bash", input: { command: `git rm -q -- '${oldPath}'` } }] });
      continue;
    }
    let current = read(oldPath) ?? "";
    const baseLines = current.split("\n");
    for (const h of f.hunks) {
      const noEol = h.lines.some((l) => l.startsWith("\\"));
      const body = h.lines.filter((l) => !l.startsWith("\\"));
      let before = body.filter((l) => !l.startsWith("+")).map((l) => l.slice(1));
      let after = body.filter((l) => !l.startsWith("-")).map((l) => l.slice(1));
      // Grow the context from the base file until the old text is unique in the current file.
      let up = h.oldStart - 2;
      let down = h.oldStart - 1 + h.oldLines;
      const join_ = (ls: string[]) => ls.join("\n") + (noEol ? "" : "\n");
      while (
        (before.length === 0 || count(current, join_(before)) > 1) &&
        (up >= 0 || down < baseLines.length)
      ) {
        if (up >= 0) {
          before = [baseLines[up]!, ...before];
          after = [baseLines[up]!, ...after];
          up--;
        }
        if (count(current, join_(before)) > 1 && down < baseLines.length - 1) {
          before = [...before, baseLines[down]!];
          after = [...after, baseLines[down]!];
          down++;
        }
      }
      const oldStr = join_(before);
      const newStr = join_(after);
      const from = Math.max(1, h.oldStart - 3);
      turns.push({
        tool_calls: [
          {
            name: "editor",
            input: { command: "view", path: oldPath, view_range: [from, from + h.oldLines + 5] },
          },
        ],
      });
      turns.push({
        tool_calls: [
          {
            name: "editor",
            input: { command: "str_replace", path: newPath, old_str: oldStr, new_str: newStr },
          },
        ],
      });
      current = current.replace(oldStr, newStr);
    }
  }
  const tests = testDirectives(t.testPatch);
  turns.push({
    text: "Now the tests.",
    tool_calls: [{ name: "run_tests", input: tests.length ? { tests } : {} }],
  });
  turns.push({ tool_calls: [{ name: "submit", input: { summary: "Applied the fix." } }] });
  return turns;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      tasks: { type: "string" },
      mirror: { type: "string" },
      out: { type: "string" },
      instances: { type: "string" },
    },
  });
  if (!values.tasks || !values.mirror || !values.out) {
    console.error("usage: make-oracle-script.ts --tasks FILE --mirror DIR --out DIR [--instances IDS|REGEX]");
    process.exit(2);
  }
  const out = resolve(values.out);
  mkdirSync(out, { recursive: true });
  const loaded = loadTaskFile(values.tasks);
  const records: string[] = [];
  const raw = new Map<string, Record<string, unknown>>();
  const text = (await import("node:fs")).readFileSync(values.tasks, "utf8");
  const list = text.trimStart().startsWith("[")
    ? (JSON.parse(text) as Record<string, unknown>[])
    : text
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
  for (const r of list) raw.set(String(r.instance_id), r);
  for (const t of selectTasks(loaded.tasks, values.instances)) {
    const repo = await findInMirror(resolve(values.mirror), t.repoName);
    if (!repo) throw new Error(`${t.repoName} is not in the mirror`);
    const read = (path: string) => {
      try {
        return execFileSync("git", ["show", `${t.baseCommit}:${path}`], {
          cwd: repo,
          encoding: "utf8",
          maxBuffer: 1 << 26,
        });
      } catch {
        return null;
      }
    };
    const script = join(out, `${t.instanceId}.yaml`);
    writeFileSync(
      script,
      `# Oracle for ${t.instanceId}, generated by evals/suite/make-oracle-script.ts\n${YAML.stringify({ turns: oracleTurns(t, read) }, { lineWidth: 0 })}`,
    );
    records.push(JSON.stringify({ ...raw.get(t.instanceId), script }));
  }
  writeFileSync(join(out, "tasks.jsonl"), `${records.join("\n")}\n`);
  console.log(`${records.length} oracle scripts in ${out}`);
}
