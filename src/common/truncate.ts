/**
 * Bounds text shown to the model: keeps the head and the tail and replaces the middle with a
 * note saying how much was elided, so the model knows output was cut and by how much.
 */
export interface BoundOptions {
  maxChars: number;
  /** Fraction of the budget given to the head; the rest goes to the tail. */
  headFraction?: number;
}

export function boundOutput(text: string, { maxChars, headFraction = 0.5 }: BoundOptions): string {
  if (text.length <= maxChars) return text;
  const headLen = Math.max(0, Math.floor(maxChars * headFraction));
  const tailLen = Math.max(0, maxChars - headLen);
  const head = cutAtLine(text.slice(0, headLen), "end");
  const tail = cutAtLine(text.slice(text.length - tailLen), "start");
  const elided = text.length - head.length - tail.length;
  const elidedLines = countLines(text.slice(head.length, text.length - tail.length));
  return `${head}\n[... ${elided} characters (${elidedLines} lines) elided ...]\n${tail}`;
}

function countLines(s: string): number {
  if (!s) return 0;
  let n = 1;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 10) n++;
  return n;
}

/** Prefer cutting at a line boundary when one is near, so lines are not split mid-way. */
function cutAtLine(s: string, side: "start" | "end"): string {
  if (side === "end") {
    const i = s.lastIndexOf("\n");
    return i > s.length * 0.8 ? s.slice(0, i) : s;
  }
  const i = s.indexOf("\n");
  return i >= 0 && i < s.length * 0.2 ? s.slice(i + 1) : s;
}
