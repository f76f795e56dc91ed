/** The step's outputs, written to $GITHUB_OUTPUT. */
import { randomBytes } from "node:crypto";
import { appendFile } from "node:fs/promises";
import { redactSecrets } from "../log/index.js";

/** Appends outputs to $GITHUB_OUTPUT in the heredoc form, which is safe for multi-line values. */
export async function writeActionOutputs(file: string, outputs: Record<string, string>): Promise<void> {
  let text = "";
  for (const [name, raw] of Object.entries(outputs)) {
    const value = redactSecrets(raw);
    let delim = `ghadelimiter_${randomBytes(8).toString("hex")}`;
    while (value.includes(delim)) delim = `ghadelimiter_${randomBytes(8).toString("hex")}`;
    text += `${name}<<${delim}\n${value}\n${delim}\n`;
  }
  await appendFile(file, text);
}
