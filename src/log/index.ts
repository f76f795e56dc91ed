/**
 * Logging with pino: JSON lines to a file per run, pretty on a terminal. Secrets are redacted
 * by the logger's configuration — by key (apiKey, token, authorization, and every key named
 * like a secret environment variable, `SECRET_ENV_NAME`) and by value (every secret registered
 * with `registerSecret` is scrubbed from any string logged) — so no call site has to remember
 * to do it. ./secrets.ts is the one list of what is secret; the sandbox uses it too.
 */
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import pino, { type Logger } from "pino";
import type PinoPretty from "pino-pretty";
import { hasSecrets, isSecretEnvName, redactSecrets } from "./secrets.js";

export type { Logger } from "pino";
export {
  isSecretEnvName,
  redactSecrets,
  registerEnvSecrets,
  registerSecret,
  SECRET_ENV_NAME,
  withoutSecrets,
} from "./secrets.js";

/**
 * Registered secrets out of every string, and the string values of keys named like a secret
 * variable (`{ env: { X_TOKEN: … } }`) out altogether.
 */
function scrub(value: unknown, depth = 0): unknown {
  if (depth > 8) return value;
  if (typeof value === "string") return hasSecrets() ? redactSecrets(value) : value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  if (value instanceof Error) {
    if (!hasSecrets()) return value;
    const e = new Error(redactSecrets(value.message));
    e.name = value.name;
    e.stack = value.stack === undefined ? undefined : redactSecrets(value.stack);
    return e;
  }
  if (value && typeof value === "object" && !ArrayBuffer.isView(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = typeof v === "string" && isSecretEnvName(k) ? "[REDACTED]" : scrub(v, depth + 1);
    }
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
    // Loaded for a terminal only (it costs more start-up time than pino itself).
    const pretty = createRequire(import.meta.url)("pino-pretty") as typeof PinoPretty;
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
