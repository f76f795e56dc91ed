/**
 * Prompt templates are files in `prompts/` rendered with Liquid. A user directory given with
 * `--prompts DIR` (or `prompts_dir` in the config) overrides any template by file name.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Liquid } from "liquidjs";
import { UsageError } from "../common/index.js";

export const BUILTIN_PROMPTS_DIR = fileURLToPath(new URL("../../prompts/", import.meta.url));

export type PromptName =
  | "system"
  | "instance"
  | "next_step"
  | "format_error"
  | "timeout"
  | "test_gate"
  | "context_elided";

export class PromptRenderer {
  private readonly engine: Liquid;

  constructor(userDir?: string) {
    if (userDir && !existsSync(userDir)) throw new UsageError(`prompts directory not found: ${userDir}`);
    const roots = userDir ? [userDir, BUILTIN_PROMPTS_DIR] : [BUILTIN_PROMPTS_DIR];
    this.engine = new Liquid({ root: roots, extname: ".md", strictFilters: true, cache: true });
  }

  render(name: PromptName, vars: Record<string, unknown>): string {
    try {
      return this.engine.renderFileSync(name, vars).trim();
    } catch (err) {
      throw new UsageError(`prompt template ${name}.md: ${(err as Error).message.split("\n")[0]}`);
    }
  }
}
