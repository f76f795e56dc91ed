/**
 * What fixpoint treats as a secret, in one place: environment variables named like secrets
 * (`SECRET_ENV_NAME`), and every value registered with `registerSecret` (API keys and tokens
 * that arrive another way: a flag, an Action input, a variable of another name). The logger
 * redacts both; a local sandbox's environment has neither (the agent's commands must not see
 * them); the Docker sandbox passes no variable of ours at all.
 */

/** Names of environment variables that hold secrets (`ANTHROPIC_API_KEY`, `GH_TOKEN`, `PGPASSWORD`, …). */
export const SECRET_ENV_NAME = /(_API_KEY|_TOKEN|_SECRET|PASSWORD|_ACCESS_KEY|_ACCESS_KEY_ID)$/i;

export function isSecretEnvName(name: string): boolean {
  return SECRET_ENV_NAME.test(name);
}

const secrets = new Set<string>();

/** Registers a secret value (an API key, a token) so that it never appears in any log line. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 6) secrets.add(value);
}

/** Registers the values of the environment's variables named like secrets. */
export function registerEnvSecrets(env: NodeJS.ProcessEnv = process.env): void {
  for (const [k, v] of Object.entries(env)) if (isSecretEnvName(k)) registerSecret(v);
}

/** Whether any secret is registered (the logger scrubs values only then). */
export function hasSecrets(): boolean {
  return secrets.size > 0;
}

/** Replaces every registered secret in a string. Used by the logger and by trajectory/PR writers. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join("[REDACTED]");
  return out;
}

/** `env` without its secrets: the variables named like one, and those holding a registered value. */
export function withoutSecrets(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) {
    if (isSecretEnvName(k) || (v !== undefined && redactSecrets(v) !== v)) continue;
    out[k] = v;
  }
  return out;
}
