/**
 * Finding where the model probably meant when `old_str` does not match: first the same text with
 * different whitespace (the usual cause: indentation), then the lines most similar to the first
 * line of `old_str` (character-bigram similarity to pre-select, edit distance to rank).
 */

export interface Candidate {
  /** First line of the candidate region, 1-based. */
  line: number;
  /** Last line of the region, 1-based, inclusive. */
  endLine: number;
  /** 0..1; 1 for a whitespace-insensitive match. */
  score: number;
  /** Whether the region equals `old_str` when whitespace is ignored. */
  whitespaceOnly: boolean;
}

/** Occurrences of `needle` in `haystack` (non-overlapping), as character offsets. */
export function findOccurrences(haystack: string, needle: string): number[] {
  const out: number[] = [];
  if (needle === "") return out;
  for (let i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + needle.length)) out.push(i);
  return out;
}

/** 1-based line number of a character offset. */
export function lineOfOffset(text: string, offset: number): number {
  let n = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/** Lines of a text without the empty piece after a final newline. */
export function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (text.endsWith("\n")) lines.pop();
  return lines;
}

const squash = (s: string) => s.replace(/\s+/g, "");

function bigrams(s: string): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < s.length - 1; i++) {
    const g = s.slice(i, i + 2);
    m.set(g, (m.get(g) ?? 0) + 1);
  }
  return m;
}

/** Sørensen–Dice coefficient on character bigrams: fast, order-insensitive pre-filter. */
function dice(a: Map<string, number>, aLen: number, b: string): number {
  if (aLen < 2 || b.length < 2) return aLen === b.length && aLen > 0 ? 1 : 0;
  const bb = bigrams(b);
  let common = 0;
  for (const [g, n] of bb) common += Math.min(n, a.get(g) ?? 0);
  return (2 * common) / (aLen - 1 + (b.length - 1));
}

/** 1 - normalized Levenshtein distance; inputs capped so one long line cannot cost seconds. */
export function similarity(a: string, b: string): number {
  const x = a.slice(0, 300);
  const y = b.slice(0, 300);
  if (x === y) return 1;
  if (!x.length || !y.length) return 0;
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  let cur = new Array<number>(y.length + 1).fill(0);
  for (let i = 1; i <= x.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= y.length; j++) {
      const cost = x.charCodeAt(i - 1) === y.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return 1 - prev[y.length]! / Math.max(x.length, y.length);
}

/**
 * Regions of `content` that `oldStr` most likely meant, best first. Whitespace-insensitive
 * matches of the whole `oldStr` come first (score 1); then windows starting at the lines most
 * similar to its first non-blank line, ranked by the mean similarity of the window's lines.
 */
export function findCandidates(content: string, oldStr: string, max = 3): Candidate[] {
  const lines = splitLines(content);
  const oldLines = splitLines(oldStr);
  // Leading/trailing blank lines of old_str are rarely what went wrong; align on the text.
  while (oldLines.length && oldLines[0]!.trim() === "") oldLines.shift();
  while (oldLines.length && oldLines[oldLines.length - 1]!.trim() === "") oldLines.pop();
  if (oldLines.length === 0 || lines.length === 0) return [];
  const span = oldLines.length;

  const out: Candidate[] = [];
  const target = oldLines.map(squash).join("");
  if (target !== "") {
    const squashed = lines.map(squash);
    for (let i = 0; i + span <= lines.length && out.length < max; i++) {
      // Quick reject on the first line before joining the window.
      if (!target.startsWith(squashed[i]!)) continue;
      if (squashed.slice(i, i + span).join("") === target) {
        out.push({ line: i + 1, endLine: i + span, score: 1, whitespaceOnly: true });
      }
    }
  }
  if (out.length >= max) return out;

  const first = oldLines[0]!.trim();
  const firstGrams = bigrams(first);
  const pre = lines
    .map((l, i) => ({ i, s: dice(firstGrams, first.length, l.trim()) }))
    .filter((c) => c.s > 0.2)
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .slice(0, 25);
  const window = Math.min(span, 8);
  const ranked = pre
    .map(({ i }) => {
      let total = 0;
      let n = 0;
      for (let k = 0; k < window && i + k < lines.length; k++) {
        total += similarity(oldLines[k]!.trim(), lines[i + k]!.trim());
        n++;
      }
      return { i, score: n ? total / window : 0 };
    })
    .filter((c) => c.score >= 0.3)
    .sort((a, b) => b.score - a.score || a.i - b.i);
  for (const [k, c] of ranked.entries()) {
    if (out.length >= max) break;
    // Weak resemblances are noise, except as the only lead there is.
    if (c.score < 0.5 && (k > 0 || out.length > 0)) break;
    // Skip windows overlapping one already chosen.
    if (out.some((o) => c.i + 1 <= o.endLine && c.i + span >= o.line)) continue;
    out.push({
      line: c.i + 1,
      endLine: Math.min(lines.length, c.i + span),
      score: Math.round(c.score * 100) / 100,
      whitespaceOnly: false,
    });
  }
  return out;
}

/** `cat -n` style rendering of lines [from, to] (1-based, inclusive). */
export function numberLines(lines: string[], from: number, to: number, maxLineChars = 2000): string {
  const out: string[] = [];
  for (let n = Math.max(1, from); n <= Math.min(lines.length, to); n++) {
    let text = lines[n - 1]!;
    if (text.length > maxLineChars) {
      text = `${text.slice(0, maxLineChars)} [... line cut, ${text.length} characters in all]`;
    }
    out.push(`${String(n).padStart(6)}\t${text}`);
  }
  return out.join("\n");
}
