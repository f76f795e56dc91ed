/**
 * Logging with pino: JSON lines to a file per run, pretty on a terminal. Secrets are redacted
 * by the logger's configuration — both by key (apiKey, token, authorization, …) and by value
 * (every secret registered with `registerSecret` is scrubbed from any string logged) — so no
 * call site has to remember to do it.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import pino, { type Logger } from "pino";
import pretty from "pino-pretty";

export type { Logger } from "pino";

const secrets = new Set<string>();

/** Registers a secret value (an API key, a token) so that it never appears in any log line. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 6) secrets.add(value);
}

/** Registers the well-known secret environment variables of the process. */
export function registerEnvSecrets(env: NodeJS.ProcessEnv = process.env): void {
  for (const [k, v] of Object.entries(env)) {
    if (/(_API_KEY|_TOKEN|_SECRET|PASSWORD)$/i.test(k)) registerSecret(v);
  }
}

/** Replaces every registered secret in a string. Used by the logger and by trajectory/PR writers. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join("[REDACTED]");
  return out;
}

function scrub(value: unknown, depth = 0): unknown {
  if (secrets.size === 0 || depth > 8) return value;
  if (typeof value === "string") return redactSecrets(value);
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = scrub(v, depth + 1);
    return out;
  }
  return value;
}

const REDACT_PATHS = [
  "apiKey",
  "*.apiKey",
  "token",
  "*.token",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "*.headers.authorization",
  "headers['x-api-key']",
  "*.headers['x-api-key']",
  "env.ANTHROPIC_API_KEY",
  "env.OPENAI_API_KEY",
  "env.GITHUB_TOKEN",
];

export interface LoggerOptions {
  /** JSON log file for this run; created with its folder. */
  file?: string;
  /** Pretty output on stderr; defaults to whether stderr is a terminal. */
  pretty?: boolean;
  level?: pino.Level;
  /** Level for the terminal stream (file gets `level`). */
  terminalLevel?: pino.Level;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? "debug";
  const streams: pino.StreamEntry[] = [];
  if (opts.file) {
    mkdirSync(dirname(opts.file), { recursive: true });
    streams.push({ level, stream: pino.destination({ dest: opts.file, sync: true, mkdir: true }) });
  }
  const wantPretty = opts.pretty ?? Boolean(process.stderr.isTTY);
  if (wantPretty) {
    streams.push({
      level: opts.terminalLevel ?? "info",
      stream: pretty({ destination: 2, sync: true, colorize: true, ignore: "pid,hostname" }),
    });
  }
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: "[REDACTED]" },
      formatters: { log: (obj) => scrub(obj) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((a) => scrub(a)) as Parameters<typeof method>;
          method.apply(this, scrubbed);
        },
      },
    },
    streams.length ? pino.multistream(streams) : pino.destination({ dest: "/dev/null", sync: true }),
  );
}

/** A logger that discards everything; the default for library calls and tests. */
export const silentLogger: Logger = pino({ level: "silent" });
