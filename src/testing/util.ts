import type { TestCaseResult, TestStatus } from "./types.js";

/** Options shared by the parsers that see file paths (JS runners, TAP from node:test). */
export interface ParseOptions {
  /** Checkout root; absolute file paths under it are shown relative to it. */
  root?: string;
}

const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007]*\u0007/g;

export function normalizeText(text: string): string {
  return text.replace(ANSI, "").replace(/\r\n?/g, "\n");
}

/** Longest failure message a parser keeps; summaries trim further. */
export const MAX_MESSAGE_CHARS = 4000;

/** Drops blank edges and bounds a message so one test cannot flood a report. */
export function trimMessage(text: string | undefined, maxChars = MAX_MESSAGE_CHARS): string | undefined {
  if (text === undefined) return undefined;
  const lines = text.split("\n").map((l) => l.replace(/\s+$/, ""));
  while (lines.length && !lines[0]!.trim()) lines.shift();
  while (lines.length && !lines[lines.length - 1]!.trim()) lines.pop();
  const minIndent = Math.min(
    ...lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length),
    Number.POSITIVE_INFINITY,
  );
  const out = lines
    .map((l) => l.slice(Number.isFinite(minIndent) ? minIndent : 0))
    .join("\n")
    .replace(/\n{3,}/g, "\n\n");
  if (!out) return undefined;
  return out.length > maxChars ? `${out.slice(0, maxChars)}\n[... message truncated]` : out;
}

const RANK: Record<TestStatus, number> = { skipped: 0, passed: 1, failed: 2, error: 3 };

/**
 * Results keyed by test name, in first-seen order. A test reported twice (pytest's teardown
 * error after a pass, a JUnit file listed twice) keeps its worst status.
 */
export class ResultSet {
  private readonly byName = new Map<string, TestCaseResult>();

  get(name: string): TestCaseResult | undefined {
    return this.byName.get(name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  add(result: TestCaseResult): TestCaseResult {
    const prev = this.byName.get(result.name);
    if (!prev) {
      const copy = { ...result };
      if (copy.message === undefined) delete copy.message;
      if (copy.durationMs === undefined) delete copy.durationMs;
      this.byName.set(result.name, copy);
      return copy;
    }
    if (RANK[result.status] > RANK[prev.status]) {
      prev.status = result.status;
      if (result.message) prev.message = result.message;
    } else if (!prev.message && result.message && RANK[result.status] === RANK[prev.status]) {
      prev.message = result.message;
    }
    if (prev.durationMs === undefined && result.durationMs !== undefined) prev.durationMs = result.durationMs;
    return prev;
  }

  list(): TestCaseResult[] {
    return [...this.byName.values()];
  }
}

/** Makes an absolute path under `root` relative; leaves other paths (and file:// URLs' paths) alone. */
export function relativize(text: string, root: string | undefined): string {
  if (!root) return text;
  const r = root.endsWith("/") ? root : `${root}/`;
  return text.split(`file://${r}`).join("").split(r).join("");
}

/**
 * Finds a JSON object in text that may have other output around it (npm warnings, console
 * output of the tests) and parses it. `marker` is a string that starts the wanted object,
 * e.g. `{"numFailedTestSuites"`; the object ends at its matching brace.
 */
export function extractJsonObject(text: string, markers: RegExp): unknown {
  const re = new RegExp(markers.source, markers.flags.includes("g") ? markers.flags : `${markers.flags}g`);
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const start = m.index;
    const end = matchingBrace(text, start);
    if (end < 0) continue;
    try {
      return JSON.parse(text.slice(start, end + 1));
    } catch {
      // Not this one (e.g. a fragment in a log line); try the next occurrence.
    }
  }
  return undefined;
}

function matchingBrace(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 123 /* { */) depth++;
    else if (c === 125 /* } */) {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

export function secondsToMs(value: unknown): number | undefined {
  const n = typeof value === "string" ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) ? Math.round(n * 1000 * 1000) / 1000 : undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
