/**
 * The trigger decision: whether a workflow event starts a run. A pure function of the event
 * payload, the event name and the inputs; no I/O. Who may start a run is checked afterwards
 * against the repository (see access.ts).
 */
import { z } from "zod";
import { describeZodError } from "../common/index.js";
import type { ActionInputs } from "./inputs.js";

const actorSchema = z.object({ login: z.string(), type: z.string().optional() });
const eventIssueSchema = z.object({
  number: z.number().int().positive(),
  state: z.string().optional(),
  pull_request: z.unknown().optional(),
});
const eventSchema = z.object({
  action: z.string().optional(),
  issue: eventIssueSchema.optional(),
  label: z.object({ name: z.string() }).optional(),
  comment: z
    .object({ id: z.number().int(), body: z.string().nullable().optional(), user: actorSchema })
    .optional(),
  sender: actorSchema.optional(),
  repository: z.object({ full_name: z.string() }).optional(),
});

export type TriggerDecision =
  | {
      run: true;
      issueNumber: number;
      actor: string;
      actorIsBot: boolean;
      trigger: "label" | "comment";
      instructions?: string;
      commentId?: number;
    }
  | { run: false; reason: string };

function isBot(user: { login: string; type?: string }): boolean {
  return user.type === "Bot" || user.login.endsWith("[bot]");
}

/** Whether a bot's login is in allowed-bots (with or without its `[bot]` suffix). */
export function botAllowed(login: string, allowed: string[]): boolean {
  const bare = login.toLowerCase().replace(/\[bot\]$/, "");
  return allowed.some((a) => a.toLowerCase().replace(/\[bot\]$/, "") === bare);
}

/**
 * Whether an event starts a run. Runs on: `issues` `labeled` with the configured label, and
 * `issue_comment` `created` whose body starts with the command (the rest is instructions).
 * Not on: other actions (edited comments included), closed issues, comments on pull requests
 * (fixpoint resolves issues; revising a pull request is not supported), bots not listed.
 */
export function decideTrigger(
  event: unknown,
  eventName: string,
  inputs: Pick<ActionInputs, "label" | "command" | "allowedBots">,
): TriggerDecision {
  const parsed = eventSchema.safeParse(event);
  if (!parsed.success) return { run: false, reason: describeZodError("event payload", parsed.error.issues) };
  const e = parsed.data;
  if (eventName !== "issues" && eventName !== "issue_comment") {
    return {
      run: false,
      reason: `event "${eventName}" is not a trigger (use issues: labeled or issue_comment: created)`,
    };
  }
  if (!e.issue) return { run: false, reason: `${eventName} event without an issue` };
  if (e.issue.pull_request !== undefined && e.issue.pull_request !== null) {
    return { run: false, reason: "pull requests are not supported: fixpoint works on issues" };
  }
  if (e.issue.state === "closed") return { run: false, reason: `issue #${e.issue.number} is closed` };

  if (eventName === "issues") {
    if (e.action !== "labeled")
      return { run: false, reason: `issues event "${e.action}" is not a trigger (only labeled)` };
    if (!e.label || e.label.name.toLowerCase() !== inputs.label.toLowerCase()) {
      return { run: false, reason: `label "${e.label?.name ?? ""}" is not "${inputs.label}"` };
    }
    if (!e.sender) return { run: false, reason: "event without a sender" };
    if (isBot(e.sender) && !botAllowed(e.sender.login, inputs.allowedBots)) {
      return { run: false, reason: `label added by bot ${e.sender.login}, which is not in allowed-bots` };
    }
    return {
      run: true,
      issueNumber: e.issue.number,
      actor: e.sender.login,
      actorIsBot: isBot(e.sender),
      trigger: "label",
    };
  }

  if (e.action !== "created")
    return { run: false, reason: `comment ${e.action ?? "event"}: only new comments are read` };
  if (!e.comment) return { run: false, reason: "issue_comment event without a comment" };
  const body = (e.comment.body ?? "").trimStart();
  const cmd = inputs.command;
  const next = body.charAt(cmd.length);
  if (body.slice(0, cmd.length).toLowerCase() !== cmd.toLowerCase() || (next !== "" && !/\s/.test(next))) {
    return { run: false, reason: `comment does not start with ${cmd}` };
  }
  const user = e.comment.user;
  if (isBot(user) && !botAllowed(user.login, inputs.allowedBots)) {
    return { run: false, reason: `comment by bot ${user.login}, which is not in allowed-bots` };
  }
  const instructions = body.slice(cmd.length).trim();
  return {
    run: true,
    issueNumber: e.issue.number,
    actor: user.login,
    actorIsBot: isBot(user),
    trigger: "comment",
    commentId: e.comment.id,
    ...(instructions ? { instructions } : {}),
  };
}
