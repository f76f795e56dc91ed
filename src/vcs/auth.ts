/**
 * Token authentication for git over HTTPS without writing the token anywhere: it travels as an
 * `http.<url>.extraHeader` set through GIT_CONFIG_* environment variables (not the command line,
 * not .git/config, not the remote URL), and is registered with the logger for redaction.
 */
import { registerSecret } from "../log/index.js";

/** The URL prefix a header is scoped to (`https://host/`), or undefined for non-HTTP remotes. */
function headerScope(url: string): string | undefined {
  try {
    const u = new URL(url);
    if (u.protocol !== "https:" && u.protocol !== "http:") return undefined;
    return `${u.protocol}//${u.host}/`;
  } catch {
    return undefined;
  }
}

/**
 * Environment variables that make git send `Authorization: basic x-access-token:TOKEN` to the
 * remote's host. An empty value first resets any header configured elsewhere (actions/checkout
 * persists one), since git would otherwise send both and the server reject the pair.
 */
export function gitAuthEnv(token: string | undefined, url: string): Record<string, string> {
  const scope = headerScope(url);
  if (!token || !scope) return {};
  const basic = Buffer.from(`x-access-token:${token}`).toString("base64");
  registerSecret(token);
  registerSecret(basic);
  const start = Number.parseInt(process.env.GIT_CONFIG_COUNT ?? "0", 10) || 0;
  const key = `http.${scope}.extraheader`;
  return {
    GIT_CONFIG_COUNT: String(start + 2),
    [`GIT_CONFIG_KEY_${start}`]: key,
    [`GIT_CONFIG_VALUE_${start}`]: "",
    [`GIT_CONFIG_KEY_${start + 1}`]: key,
    [`GIT_CONFIG_VALUE_${start + 1}`]: `AUTHORIZATION: basic ${basic}`,
  };
}
