import { parse as parseYaml } from "yaml";
import { parseNodeTestSpec } from "./parse-js.js";
import type { TestCaseResult, TestStatus } from "./types.js";
import { isRecord, normalizeText, type ParseOptions, relativize, trimMessage } from "./util.js";

interface TapPoint {
  indent: number;
  ok: boolean;
  description: string;
  directive?: "skip" | "todo";
  reason?: string;
  yaml?: Record<string, unknown>;
  children: TapPoint[];
}

const POINT = /^(\s*)(ok|not ok)\b(?:\s+(\d+))?(?:\s*-)?\s*(.*)$/;

/** Splits `desc # SKIP why` (an escaped `\#` is part of the description). */
function splitDirective(rest: string): { description: string; directive?: "skip" | "todo"; reason?: string } {
  const m = /^(.*?)(?<!\\)#\s*(SKIP\S*|TODO)\b\s*(.*)$/i.exec(rest);
  const unesc = (s: string) => s.replace(/\\#/g, "#").replace(/\\\\/g, "\\").trim();
  if (!m) return { description: unesc(rest) };
  const directive = m[2]!.toUpperCase().startsWith("SKIP") ? "skip" : "todo";
  return { description: unesc(m[1]!), directive, ...(m[3]!.trim() ? { reason: m[3]!.trim() } : {}) };
}

/** Reads TAP 13/14 into a tree: subtests are the indented points before their parent's point. */
function readTap(output: string): TapPoint[] {
  const lines = normalizeText(output).split("\n");
  // Points seen at each indentation that still wait for their parent (a shallower point).
  const waiting = new Map<number, TapPoint[]>();
  const top: TapPoint[] = [];
  let lastPoint: TapPoint | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const m = POINT.exec(line);
    if (m) {
      const indent = m[1]!.length;
      const d = splitDirective(m[4]!);
      const point: TapPoint = { indent, ok: m[2] === "ok", ...d, children: [] };
      for (const [ind, pts] of waiting) {
        if (ind > indent) {
          if (ind === Math.min(...[...waiting.keys()].filter((k) => k > indent))) point.children.push(...pts);
          waiting.delete(ind);
        }
      }
      if (indent === 0) top.push(point);
      else waiting.set(indent, [...(waiting.get(indent) ?? []), point]);
      lastPoint = point;
      continue;
    }
    // A YAML diagnostics block right after a point: `  ---` … `  ...`, indented past the point.
    if (lastPoint && /^\s*---\s*$/.test(line) && line.indexOf("-") > lastPoint.indent) {
      const indent = line.indexOf("-");
      const body: string[] = [];
      let j = i + 1;
      for (; j < lines.length; j++) {
        const l = lines[j]!;
        if (/^\s*\.\.\.\s*$/.test(l) && l.indexOf(".") === indent) break;
        body.push(l.slice(Math.min(indent, l.length - l.trimStart().length)));
      }
      lastPoint.yaml = readYaml(body.join("\n"));
      i = j;
      continue;
    }
    if (!/^\s*(#|1\.\.|TAP version|Bail out!|pragma)/.test(line) && line.trim()) lastPoint = undefined;
  }
  // Points whose parent never came (truncated output) are reported as top level.
  for (const pts of waiting.values()) top.push(...pts);
  return top;
}

function readYaml(text: string): Record<string, unknown> {
  try {
    const v = parseYaml(text, { strict: false, uniqueKeys: false });
    if (isRecord(v)) return v;
  } catch {
    // Fall through to a line-by-line reading of the scalar fields.
  }
  const out: Record<string, unknown> = {};
  for (const line of text.split("\n")) {
    const m = /^(\w+):\s*(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!.replace(/^'(.*)'$/, "$1");
  }
  return out;
}

const ERROR_FAILURE_TYPES = new Set(["hookFailed", "cancelledByParent", "parentAlreadyFinished"]);

function flatten(points: TapPoint[], prefix: string[], options: ParseOptions, out: TestCaseResult[]): void {
  for (const p of points) {
    const title = relativize(p.description, options.root);
    const path = [...prefix, title];
    if (p.children.length) flatten(p.children, path, options, out);
    // node:test marks describe() blocks as suites: they group tests and are not tests.
    if (p.yaml?.type === "suite") continue;
    const y = p.yaml ?? {};
    let status: TestStatus;
    if (p.directive) status = "skipped";
    else if (p.ok) status = "passed";
    else if (ERROR_FAILURE_TYPES.has(String(y.failureType)) || y.exitCode !== undefined) status = "error";
    else status = "failed";
    const durationMs =
      typeof y.duration_ms === "number" ? Math.round(y.duration_ms * 1000) / 1000 : undefined;
    let message: string | undefined;
    if (status === "skipped") message = p.reason;
    else if (status !== "passed") message = tapMessage(y, options);
    out.push({
      name: path.join(" > "),
      status,
      ...(durationMs !== undefined ? { durationMs } : {}),
      ...(message ? { message } : {}),
    });
  }
}

function tapMessage(y: Record<string, unknown>, options: ParseOptions): string | undefined {
  const err = y.error ?? y.message;
  let text =
    typeof err === "string" ? err : isRecord(err) && typeof err.message === "string" ? err.message : "";
  if (typeof y.name === "string" && text && !text.startsWith(y.name)) text = `${y.name}: ${text}`;
  if (typeof y.location === "string") text += `\nat ${relativize(y.location, options.root)}`;
  else if (isRecord(y.at) && typeof y.at.file === "string")
    text += `\nat ${y.at.file}:${String(y.at.line ?? "")}`;
  return trimMessage(relativize(text, options.root));
}

/**
 * TAP 13/14 (`ok`/`not ok`, `# SKIP`/`# TODO` directives, YAML diagnostics, nested subtests by
 * indentation). Names join a subtest's ancestors with ` > `. node:test suites (`type: 'suite'`)
 * are prefixes only; a failing hook or a file that could not run is an `error`.
 */
export function parseTap(output: string, options: ParseOptions = {}): TestCaseResult[] {
  const out: TestCaseResult[] = [];
  flatten(readTap(output), [], options, out);
  return out;
}

/** node:test: TAP (`--test-reporter=tap`, node 20's default when not a TTY) or the spec text. */
export function parseNodeTest(output: string, options: ParseOptions = {}): TestCaseResult[] {
  const text = normalizeText(output);
  if (/^TAP version \d+/m.test(text) || /^\s*(?:not )?ok \d+ /m.test(text)) return parseTap(text, options);
  return parseNodeTestSpec(text, options);
}
