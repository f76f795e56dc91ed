/** Quoting text for another language: a word for a POSIX shell, a literal in a regular expression. */

/**
 * Quotes a string as one word for bash/sh: returned as it is when it holds only characters no
 * shell treats specially, else in single quotes with embedded ones spliced in (`'\''`). NUL
 * bytes, which no argument or script can carry, are dropped.
 */
export function shellQuote(s: string): string {
  const word = s.includes("\0") ? s.replaceAll("\0", "") : s;
  if (/^[\w@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Escapes the characters a regular expression (JavaScript, or POSIX ERE) treats specially. */
export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
