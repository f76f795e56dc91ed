import { UsageError } from "./errors.js";

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses "90", "90s", "15m", "1h30m", "500ms" into milliseconds (a bare number is seconds). */
export function parseDuration(text: string, what = "duration"): number {
  const s = text.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * (UNITS[m[2]!] ?? 0);
    matched = re.lastIndex;
  }
  if (matched !== s.length || matched === 0) {
    throw new UsageError(`${what}: "${text}" is not a duration (examples: 90s, 15m, 1h30m)`);
  }
  return Math.round(total);
}
