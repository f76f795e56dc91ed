/**
 * A short account of a finished run for people: what the agent said it changed, the tests and
 * their failures, and a trajectory excerpt. Pull-request bodies and the Action's artifacts are
 * made from it (its shape is what `src/github` calls a RunOutcome).
 */
import { readFileSync } from "node:fs";
import type { RunResult } from "./loop.js";
import type { Trajectory } from "./trajectory.js";

export interface RunDigest {
  status: string;
  submitted: boolean;
  patch: string;
  costUsd: number;
  steps: number;
  summary?: string;
  testReport?: {
    command: string;
    exitCode: number;
    counts?: { passed: number; failed: number; skipped: number; error: number };
    failing?: string[];
  };
  trajectoryExcerpt?: string;
  trajectoryPath: string;
}

function describeCall(name: string, input: unknown): string {
  const o = (input ?? {}) as Record<string, unknown>;
  const detail =
    typeof o.command === "string" && typeof o.path === "string"
      ? `${o.command} ${o.path}`
      : typeof o.command === "string"
        ? o.command
        : typeof o.pattern === "string"
          ? o.pattern
          : "";
  const flat = detail.replace(/\s+/g, " ").trim();
  return flat ? `${name}: ${flat.length > 100 ? `${flat.slice(0, 99)}…` : flat}` : name;
}

export function digestRun(result: RunResult, opts: { excerptSteps?: number } = {}): RunDigest {
  let traj: Trajectory | undefined;
  try {
    traj = JSON.parse(readFileSync(result.trajectoryPath, "utf8")) as Trajectory;
  } catch {
    traj = undefined;
  }
  let summary: string | undefined;
  const lines: string[] = [];
  for (const step of traj?.steps ?? []) {
    for (const call of step.response.toolCalls) {
      const input = call.input as { summary?: unknown } | undefined;
      if (call.name === "submit" && typeof input?.summary === "string" && input.summary.trim()) {
        summary = input.summary.trim();
      }
      const obs = step.observations.find((o) => o.toolCallId === call.id);
      const mark = step.rejected ? "rejected" : obs?.isError ? "error" : "ok";
      lines.push(`#${step.index} ${describeCall(call.name, call.input)} (${mark})`);
    }
    if (step.gate) lines.push(`#${step.index} test gate: ${step.gate.passed ? "pass" : "fail"}`);
  }
  const keep = opts.excerptSteps ?? 40;
  const excerpt =
    lines.length > keep
      ? [...lines.slice(0, 5), `… ${lines.length - keep} more …`, ...lines.slice(-(keep - 5))]
      : lines;
  const r = result.testReport;
  const failing = r?.tests?.filter((t) => t.status === "failed" || t.status === "error").map((t) => t.name);
  return {
    status: result.status,
    submitted: result.status === "submitted",
    patch: result.patch,
    costUsd: result.costUsd,
    steps: result.steps,
    ...(summary ? { summary } : {}),
    ...(r
      ? {
          testReport: {
            command: r.command,
            exitCode: r.exitCode,
            ...(r.counts ? { counts: r.counts } : {}),
            ...(failing?.length ? { failing } : {}),
          },
        }
      : {}),
    ...(excerpt.length ? { trajectoryExcerpt: excerpt.join("\n") } : {}),
    trajectoryPath: result.trajectoryPath,
  };
}
