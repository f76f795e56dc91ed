/** `fixpoint show TRAJECTORY`: a readable, colourized summary of a run. */
import pc from "picocolors";
import { readTrajectory } from "./trajectory-file.js";

function oneLine(s: string, max = 110): string {
  const flat = s.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function describeInput(input: unknown): string {
  if (input && typeof input === "object") {
    const o = input as Record<string, unknown>;
    if (typeof o.command === "string" && typeof o.path === "string") return `${o.command} ${o.path}`;
    if (typeof o.command === "string") return o.command;
    if (typeof o.pattern === "string") return `/${o.pattern}/`;
    if (Array.isArray(o.tests)) return o.tests.join(" ");
  }
  return JSON.stringify(input ?? {});
}

type Gate = NonNullable<ReturnType<typeof readTrajectory>["steps"][number]["gate"]>;

/** A gate's verdict, what it ran and why, what blocked and what was only reported. */
function renderGate(g: Gate, full: boolean): string[] {
  const out: string[] = [];
  const verdict = g.passed
    ? pc.green(`gate passed${g.verdict && g.verdict !== "passed" ? ` (${g.verdict})` : ""}`)
    : pc.yellow("gate refused");
  const c = g.counts;
  const counts = c
    ? ` · ${c.passed} passed, ${c.failed} failed, ${c.error} errors, ${c.skipped} skipped`
    : "";
  const took = g.durationMs !== undefined ? ` · ${(g.durationMs / 1000).toFixed(1)} s` : "";
  out.push(`     ${verdict}${counts}${took}`);
  if (g.scope)
    out.push(`       ran ${g.scope === "full" ? "the whole suite" : "related tests"}: ${g.scopeWhy ?? ""}`);
  if (g.selection?.length) {
    out.push(`       selected ${g.selection.length} test${g.selection.length === 1 ? "" : "s"}:`);
    const shown = full ? g.selection : g.selection.slice(0, 6);
    for (const e of shown) out.push(`         ${pc.cyan(e.test)} ${pc.dim(`— ${e.reasons.join("; ")}`)}`);
    if (shown.length < g.selection.length)
      out.push(pc.dim(`         … ${g.selection.length - shown.length} more (--full)`));
  }
  if (g.baseline) {
    const b = g.baseline;
    const fullRun = b.full
      ? b.full.complete
        ? `; whole suite ${(b.full.durationMs / 1000).toFixed(1)} s`
        : `; whole suite over ${(b.full.budgetMs / 1000).toFixed(0)} s`
      : "";
    out.push(
      pc.dim(
        `       baseline (${b.source}): ${b.tests} tests${fullRun}; ran ${(b.runMs / 1000).toFixed(1)} s, ${(b.hiddenMs / 1000).toFixed(1)} s of it hidden behind the model's turns`,
      ),
    );
  }
  const list = (label: string, names: string[], color: (s: string) => string) => {
    if (!names.length) return;
    const shown = full ? names : names.slice(0, 5);
    out.push(
      `       ${color(label)} (${names.length}): ${shown.join(", ")}${shown.length < names.length ? ", …" : ""}`,
    );
  };
  list(
    "regressions",
    (g.regressions ?? []).map((r) => r.name),
    pc.red,
  );
  list(
    "named tests failing",
    (g.namedFailing ?? []).map((n) => `${n.name} (${n.status})`),
    pc.red,
  );
  list(
    "your tests",
    (g.agentTests ?? []).map((t) => `${t.name} (${t.status})`),
    pc.cyan,
  );
  list("pre-existing failures", g.preExisting ?? [], pc.dim);
  list(
    "flaky",
    (g.flaky ?? []).map((f) => `${f.name} (${f.why})`),
    pc.dim,
  );
  if (!g.scope) out.push(`       ${oneLine(g.summary, 100)}`);
  return out;
}

export function renderTrajectory(path: string, opts: { full?: boolean } = {}): string {
  const t = readTrajectory(path);
  const out: string[] = [];
  const status = t.status ?? "(running)";
  const color = status === "submitted" ? pc.green : status === "exit_error" ? pc.red : pc.yellow;
  out.push(`${pc.bold(t.task.id)}  ${color(status)}  run ${t.runId}`);
  out.push(
    `  ${t.totals.steps} steps · $${t.totals.costUsd.toFixed(4)} · ${(t.totals.elapsedMs / 1000).toFixed(1)} s · ` +
      `${t.totals.inputTokens} in / ${t.totals.outputTokens} out tokens (${t.totals.cacheReadTokens} cached) · sandbox ${t.environment.sandbox}`,
  );
  out.push(`  issue: ${oneLine(t.task.problemStatement, 100)}`);
  if (t.error) out.push(`  ${pc.red("error:")} ${t.error}`);
  out.push("");
  for (const s of t.steps) {
    const head = `${pc.dim(`#${String(s.index).padStart(2)}`)} ${pc.dim(`${(s.modelMs / 1000).toFixed(1)}s`)}`;
    if (s.response.text.trim())
      out.push(`${head} ${pc.italic(oneLine(s.response.text, opts.full ? 10_000 : 100))}`);
    else out.push(head);
    if (s.rejected) out.push(`     ${pc.red("rejected:")} ${oneLine(s.rejected)}`);
    for (const c of s.response.toolCalls) {
      const obs = s.observations.find((o) => o.toolCallId === c.id);
      const mark = obs ? (obs.isError ? pc.red("✗") : pc.green("✓")) : pc.dim("·");
      out.push(`     ${mark} ${pc.cyan(c.name)} ${oneLine(describeInput(c.input), 90)}`);
      if (obs && (opts.full || obs.isError)) {
        const lines = obs.output.split("\n");
        for (const l of lines.slice(0, opts.full ? lines.length : 3)) out.push(`       ${pc.dim(l)}`);
      }
    }
    if (s.gate) out.push(...renderGate(s.gate, opts.full === true));
  }
  if (t.patch) {
    out.push("");
    out.push(pc.bold("patch:"));
    for (const l of t.patch.split("\n")) {
      out.push(
        l.startsWith("+") ? pc.green(l) : l.startsWith("-") ? pc.red(l) : l.startsWith("@@") ? pc.cyan(l) : l,
      );
    }
  }
  return out.join("\n");
}
