/**
 * Collects one stream of a command's output (and finds the persistent shell's end-of-command
 * marker in it). Memory stays bounded: past `maxChars` the head is kept, the middle dropped
 * (with a note) and a tail window kept, so `yes | head -c 5G` cannot exhaust the process.
 * `maxChars = Infinity` keeps everything (git output that is parsed, not shown).
 */
import { StringDecoder } from "node:string_decoder";

export interface MarkerMatch {
  /** Text between the marker's prefix and its suffix. */
  body: string;
}

export class OutputCollector {
  private decoder = new StringDecoder("utf8");
  private head = "";
  private buf = "";
  private dropped = 0;
  private scanFrom = 0;
  private readonly headMax: number;
  private readonly tailMax: number;

  constructor(maxChars: number) {
    if (!Number.isFinite(maxChars)) {
      this.headMax = Number.POSITIVE_INFINITY;
      this.tailMax = Number.POSITIVE_INFINITY;
      return;
    }
    this.headMax = Math.max(4096, Math.floor(maxChars / 2));
    // The tail window must always hold a whole marker line (a cwd is at most PATH_MAX).
    this.tailMax = Math.max(16_384, maxChars - this.headMax);
  }

  push(chunk: Buffer | string): void {
    this.buf += typeof chunk === "string" ? chunk : this.decoder.write(chunk);
    this.compact();
  }

  /** Text that arrived so far (head, elision note, tail). */
  text(): string {
    const rest = this.buf + this.decoder.end();
    this.buf = rest;
    if (this.dropped === 0) return this.head + rest;
    return `${this.head}\n[... ${this.dropped} characters elided by the sandbox ...]\n${rest}`;
  }

  /**
   * Looks for `prefix BODY suffix`. When found, the output keeps what came before the prefix,
   * and what came after the suffix is returned as `rest` (output of background processes that
   * belongs to whatever runs next).
   */
  findMarker(prefix: string, suffix: string): (MarkerMatch & { rest: string }) | null {
    const start = this.buf.indexOf(prefix, this.scanFrom);
    if (start < 0) {
      this.scanFrom = Math.max(0, this.buf.length - prefix.length);
      return null;
    }
    const end = this.buf.indexOf(suffix, start + prefix.length);
    if (end < 0) {
      this.scanFrom = start;
      return null;
    }
    const body = this.buf.slice(start + prefix.length, end);
    const rest = this.buf.slice(end + suffix.length);
    this.buf = this.buf.slice(0, start);
    return { body, rest };
  }

  private compact(): void {
    if (this.buf.length <= this.tailMax * 2) return;
    const excess = this.buf.length - this.tailMax;
    const toHead = Math.max(0, Math.min(excess, this.headMax - this.head.length));
    this.head += this.buf.slice(0, toHead);
    this.dropped += excess - toHead;
    this.buf = this.buf.slice(excess);
    this.scanFrom = Math.max(0, this.scanFrom - excess);
  }
}
