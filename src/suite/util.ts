import { randomBytes } from "node:crypto";

/** A folder name for an instance id (ids are already file-safe in every known dataset). */
export function taskDirName(instanceId: string): string {
  return instanceId.replace(/[^\w.+-]+/g, "_");
}

/** A sandbox id from `prefix`: at most 64 of [A-Za-z0-9_.-], unique per call. */
export function uniqueRunId(prefix: string): string {
  const clean = prefix.replace(/[^A-Za-z0-9_.-]+/g, "-").slice(0, 52);
  return `${clean}-${randomBytes(4).toString("hex")}`;
}
