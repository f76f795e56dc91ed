import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decideTrigger } from "../../src/action/index.js";

const EVENTS = join(import.meta.dirname, "..", "fixtures", "github-events");

describe("decideTrigger", () => {
  const inputs = { label: "fixpoint", command: "/fixpoint", allowedBots: [] as string[] };
  const event = (name: string) =>
    JSON.parse(readFileSync(join(EVENTS, name), "utf8")) as Record<string, unknown>;

  it("runs on the configured label and on the command, with instructions", () => {
    expect(decideTrigger(event("issues.labeled.json"), "issues", inputs)).toEqual({
      run: true,
      issueNumber: 1,
      actor: "maintainer",
      actorIsBot: false,
      trigger: "label",
    });
    expect(decideTrigger(event("issue_comment.collaborator.json"), "issue_comment", inputs)).toEqual({
      run: true,
      issueNumber: 1,
      actor: "maintainer",
      actorIsBot: false,
      trigger: "comment",
      commentId: 5001,
      instructions: "keep the signature of add() unchanged\nand add a test for negative numbers",
    });
  });

  it("does not run on pull requests, edits, other labels, closed issues, look-alike commands or unlisted bots", () => {
    const no = (e: unknown, name: string, i = inputs) => {
      const d = decideTrigger(e, name, i);
      expect(d.run).toBe(false);
      return d.run ? "" : d.reason;
    };
    expect(no(event("issue_comment.pull_request.json"), "issue_comment")).toMatch(
      /pull requests are not supported/,
    );
    expect(no(event("issue_comment.edited.json"), "issue_comment")).toMatch(
      /comment edited: only new comments/,
    );
    expect(no(event("issues.labeled.json"), "issues", { ...inputs, label: "autofix" })).toMatch(
      /label "fixpoint" is not "autofix"/,
    );
    const closed = event("issues.labeled.json");
    (closed.issue as Record<string, unknown>).state = "closed";
    expect(no(closed, "issues")).toBe("issue #1 is closed");
    const lookAlike = event("issue_comment.collaborator.json");
    (lookAlike.comment as Record<string, unknown>).body = "/fixpointer do it";
    expect(no(lookAlike, "issue_comment")).toMatch(/does not start with \/fixpoint/);
    expect(no(event("issue_comment.bot.json"), "issue_comment")).toMatch(
      /bot renovate\[bot\], which is not in allowed-bots/,
    );
    expect(
      decideTrigger(event("issue_comment.bot.json"), "issue_comment", {
        ...inputs,
        allowedBots: ["renovate"],
      }).run,
    ).toBe(true);
    expect(no(event("issues.labeled.json"), "push")).toMatch(/event "push" is not a trigger/);
    expect(no({ issue: { number: "x" } }, "issues")).toMatch(/^event payload: issue\.number/);
  });
});
