/** Turning one file's bytes into an index record; shared by the worker threads and the inline path. */
import { createHash } from "node:crypto";
import { extractFile, type FileExtraction } from "./extract.js";
import { decodeUtf8, looksBinary } from "./files.js";
import { type LanguageId, languageForFile, languageForPath } from "./languages.js";
import type { LanguageLoader } from "./parser.js";
import { splitIdentifierWords } from "./store.js";

export type FileStatus = "ok" | "partial" | "binary" | "oversize" | "unreadable";

export interface FileResult {
  path: string;
  size: number;
  mtimeMs: number;
  hash: string;
  /** The content hash matched the stored one: nothing else is filled in. */
  unchanged?: boolean;
  status: FileStatus;
  language: LanguageId | null;
  invalidUtf8: boolean;
  extraction?: FileExtraction;
  /** Text for the file-level full-text index. */
  body?: string;
  error?: string;
}

export interface ProcessInput {
  path: string;
  size: number;
  mtimeMs: number;
  knownHash?: string;
}

export async function processBuffer(
  loader: LanguageLoader,
  input: ProcessInput,
  buf: Buffer,
  maxFileBytes: number,
): Promise<FileResult> {
  const language = languageForPath(input.path);
  const base = { path: input.path, size: buf.length, mtimeMs: input.mtimeMs, language, invalidUtf8: false };
  if (buf.length > maxFileBytes) return { ...base, hash: "", status: "oversize" };
  const hash = createHash("sha1").update(buf).digest("hex");
  if (input.knownHash && input.knownHash === hash) return { ...base, hash, status: "ok", unchanged: true };
  if (looksBinary(buf)) return { ...base, hash, status: "binary" };
  if (!language) return { ...base, hash, status: "unreadable", error: "unsupported language" };
  const { text, invalid } = decodeUtf8(buf);
  // A `.h` file's language is settled by its text (C or C++).
  const fileLanguage = languageForFile(input.path, text) ?? language;
  try {
    const lang = await loader.load(fileLanguage);
    const extraction = extractFile(lang, text);
    return {
      ...base,
      language: fileLanguage,
      invalidUtf8: invalid,
      hash,
      status: extraction.errorCount > 0 ? "partial" : "ok",
      extraction,
      body: `${text}\n${splitIdentifierWords(text)}`,
    };
  } catch (err) {
    return { ...base, invalidUtf8: invalid, hash, status: "unreadable", error: (err as Error).message };
  }
}
