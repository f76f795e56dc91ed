import { boundOutput } from "../common/index.js";
import type { TestCaseResult, TestRunReport } from "./types.js";

export interface SummaryOptions {
  /** Upper bound of the summary's length. Default 6000. */
  maxChars?: number;
  /** Lines of each failure message to show. Default 8. */
  messageLines?: number;
}

const LABEL: Record<TestCaseResult["status"], string> = {
  failed: "FAILED",
  error: "ERROR",
  passed: "PASSED",
  skipped: "SKIPPED",
};

function trimLines(message: string, maxLines: number, maxChars: number): string {
  const lines = message.split("\n");
  let out = lines.slice(0, maxLines).join("\n");
  if (out.length > maxChars) out = `${out.slice(0, maxChars)}…`;
  if (lines.length > maxLines) out += `\n… (${lines.length - maxLines} more lines)`;
  return out;
}

/**
 * A concise summary for the model: the command, exit code and counts, then every failing or
 * erroring test with a few lines of its message; the raw output (head and tail) only when no
 * per-test result was parsed.
 */
export function summarizeTestReport(report: TestRunReport, options: SummaryOptions = {}): string {
  const maxChars = options.maxChars ?? 6000;
  const messageLines = options.messageLines ?? 8;
  const head: string[] = [];
  head.push(`$ ${report.command || "(no test command)"}`);
  const exit = report.timedOut
    ? `timed out after ${Math.round(report.durationMs / 1000)}s`
    : `exit code ${report.exitCode}`;
  head.push(
    `${exit}${report.framework ? ` · ${report.framework}` : ""} · ${(report.durationMs / 1000).toFixed(1)}s`,
  );

  if (!report.tests) {
    head.push(
      report.command
        ? "No per-test results could be parsed from the output; treat this run as NOT passing unless the output says otherwise."
        : "",
    );
    const text = `${head.filter(Boolean).join("\n")}\nOutput:\n`;
    // boundOutput adds a one-line elision note on top of its budget; leave room for it.
    let room = Math.max(200, maxChars - text.length - 80);
    let out = text + boundOutput(report.output.trim(), { maxChars: room, headFraction: 0.25 });
    while (out.length > maxChars && room > 100) {
      room -= out.length - maxChars + 10;
      out = text + boundOutput(report.output.trim(), { maxChars: Math.max(100, room), headFraction: 0.25 });
    }
    return out;
  }

  const c = report.counts ?? { passed: 0, failed: 0, skipped: 0, error: 0 };
  const total = report.tests.length;
  head.push(
    `${total} test${total === 1 ? "" : "s"}: ${c.passed} passed, ${c.failed} failed, ${c.error} error${c.error === 1 ? "" : "s"}, ${c.skipped} skipped`,
  );
  if (report.notes?.length) head.push(...report.notes);
  const bad = report.tests.filter((t) => t.status === "failed" || t.status === "error");
  if (!bad.length) {
    if (report.exitCode !== 0 && !report.timedOut)
      head.push("No test failed, but the command exited non-zero; check the output for setup problems.");
    return head.join("\n").slice(0, maxChars);
  }
  let text = `${head.join("\n")}\n`;
  const perTest = Math.max(120, Math.floor((maxChars - text.length) / Math.min(bad.length, 10)));
  for (let i = 0; i < bad.length; i++) {
    const t = bad[i]!;
    const msg = t.message ? `\n${indent(trimLines(t.message, messageLines, perTest))}` : "";
    const entry = `\n${LABEL[t.status]} ${t.name}${msg}\n`;
    const reserve = i < bad.length - 1 ? 80 : 0; // room to name the ones that do not fit
    if (text.length + entry.length + reserve > maxChars) {
      const remaining = bad.slice(i);
      const s = remaining.length === 1 ? "" : "s";
      let more = `\n… and ${remaining.length} more failing test${s}: ${remaining.map((b) => b.name).join(", ")}`;
      if (text.length + more.length > maxChars)
        more = `${more.slice(0, Math.max(0, maxChars - text.length - 1))}…`;
      return (text + more).trimEnd();
    }
    text += entry;
  }
  return text.trimEnd();
}

function indent(s: string): string {
  return s
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");
}
