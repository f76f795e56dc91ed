/** Types of ./dist-state.js (plain JavaScript: it runs before anything can compile TypeScript). */
export interface InputRecord {
  size: number;
  mtimeMs: number;
  sha256: string;
}
export interface BuildRecord {
  version: 1;
  inputs: Record<string, InputRecord>;
}
export type DistState = { fresh: true } | { fresh: false; reason: string };
export const BUILD_RECORD: string;
export const DIST_MAIN: string;
export function buildInputs(root: string): string[];
export function isCompiled(rel: string): boolean;
export function recordInputs(root: string): BuildRecord;
export function distState(root: string): DistState;
