/**
 * Model specs (`provider:name`) and the `createModel` factory.
 *
 *   anthropic:<model>     Anthropic Messages API (ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL)
 *   openai:<model>        OpenAI-compatible chat completions with native tool calls
 *                         (OPENAI_API_KEY, OPENAI_BASE_URL; a local server needs no key)
 *   openai-text:<model>   the same server, text protocol for models without tool calling
 *   scripted:<path>       turns from a YAML/JSON file
 *   replay:<path>         the model turns of a saved trajectory
 */
import { UsageError } from "../common/index.js";
import { type ModelOptions, resolveModelOptions } from "./options.js";
import { loadReplayModel } from "./replay.js";
import { loadScriptedModel } from "./scripted.js";
import type { Model } from "./types.js";

export const PROVIDERS = ["anthropic", "openai", "openai-text", "scripted", "replay"] as const;
export type Provider = (typeof PROVIDERS)[number];

export interface ModelSpec {
  provider: Provider;
  /** The model name, or the file path for `scripted` and `replay`. */
  name: string;
}

export const VALID_SPEC_FORMS =
  "anthropic:<model>, openai:<model>, openai-text:<model>, scripted:<file>, replay:<trajectory.json>";

/** Parses `provider:name`; a malformed spec or unknown provider is a one-line `UsageError`. */
export function parseModelSpec(spec: string): ModelSpec {
  const s = spec.trim();
  const i = s.indexOf(":");
  const provider = i > 0 ? s.slice(0, i).toLowerCase() : "";
  const name = i > 0 ? s.slice(i + 1).trim() : "";
  if (i <= 0 || !name) {
    throw new UsageError(`model spec "${spec}" is malformed; valid forms: ${VALID_SPEC_FORMS}`);
  }
  if (!(PROVIDERS as readonly string[]).includes(provider)) {
    throw new UsageError(
      `model spec "${spec}": unknown provider "${provider}"; valid forms: ${VALID_SPEC_FORMS}`,
    );
  }
  return { provider: provider as Provider, name };
}

/** Creates the model a spec names. Options are validated; errors are one-line `UsageError`s. */
export async function createModel(spec: string, options: ModelOptions = {}): Promise<Model> {
  const parsed = parseModelSpec(spec);
  const opts = resolveModelOptions(options);
  switch (parsed.provider) {
    // The providers' SDKs load when a model of theirs is made, not with the model module.
    case "anthropic":
      return new (await import("./anthropic.js")).AnthropicModel(parsed.name, opts);
    case "openai":
      return new (await import("./openai.js")).OpenAIModel(parsed.name, "native", opts);
    case "openai-text":
      return new (await import("./openai.js")).OpenAIModel(parsed.name, "text", opts);
    case "scripted":
      return loadScriptedModel(parsed.name, { contextWindow: opts.contextWindow });
    case "replay":
      return loadReplayModel(parsed.name, { contextWindow: opts.contextWindow });
  }
}
