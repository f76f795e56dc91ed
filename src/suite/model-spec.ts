/**
 * Per-task model specs. A suite's `--model` may hold placeholders filled from each task, so a
 * fixture suite runs each task's own scripted model: `scripted:{script}` uses the task's
 * `script` field; `{instance_id}` and `{task_dir}` (the folder of the task's script) also work,
 * e.g. `replay:runs/{instance_id}/trajectory.json`.
 */
import { dirname } from "node:path";
import { UsageError } from "../common/index.js";
import type { SuiteTask } from "../task/index.js";

const PLACEHOLDER = /\{(script|instance_id|task_dir)\}/g;

export function hasModelPlaceholders(spec: string): boolean {
  return new RegExp(PLACEHOLDER.source).test(spec);
}

export function renderModelSpec(spec: string, t: SuiteTask): string {
  return spec.replace(PLACEHOLDER, (_, name: string) => {
    if (name === "instance_id") return t.instanceId;
    if (!t.script)
      throw new UsageError(`${t.instanceId}: --model uses {${name}} but the task has no script field`);
    return name === "script" ? t.script : dirname(t.script);
  });
}
