/**
 * `plan`: the model keeps a short plan of steps with a status. Each call replaces the whole
 * plan; the agent shows the current plan to the model every turn (`renderPlan`), so a long
 * task keeps its thread even after old turns are elided from the history.
 */
import { z } from "zod";
import type { PlanStep, Tool } from "./types.js";

export const PLAN_MAX_STEPS = 20;
export const PLAN_MAX_STEP_CHARS = 300;

const schema = z.object({
  steps: z
    .array(
      z.object({
        step: z
          .string()
          .trim()
          .min(1)
          .max(PLAN_MAX_STEP_CHARS)
          .describe("What to do, in one short sentence."),
        status: z.enum(["pending", "in_progress", "done"]),
      }),
    )
    .max(PLAN_MAX_STEPS)
    .refine((steps) => steps.filter((s) => s.status === "in_progress").length <= 1, {
      message: "at most one step can be in_progress",
    })
    .describe(`The whole plan, in order (replaces the previous one; at most ${PLAN_MAX_STEPS} steps).`),
});

const MARK: Record<PlanStep["status"], string> = { pending: "[ ]", in_progress: "[>]", done: "[x]" };

/** The plan as shown to the model: one line per step with its status, and a count. */
export function renderPlan(plan: readonly PlanStep[]): string {
  if (plan.length === 0) return "(no plan yet)";
  const done = plan.filter((s) => s.status === "done").length;
  const lines = plan.map(
    (s, i) => `${MARK[s.status]} ${i + 1}. ${s.step}${s.status === "in_progress" ? "  (in progress)" : ""}`,
  );
  return `Plan (${done}/${plan.length} done):\n${lines.join("\n")}`;
}

export const planTool: Tool<typeof schema> = {
  name: "plan",
  description:
    "Record or update your plan: a short list of steps, each pending, in_progress (at most one) or done. Each call replaces the whole plan; the current plan is shown to you every turn.",
  schema,
  async execute(input, ctx) {
    ctx.state.plan = input.steps.map((s) => ({ step: s.step, status: s.status }));
    return { output: renderPlan(ctx.state.plan), isError: false };
  },
};
