/** The official Multi-SWE-bench records in ../shared/datasets (beside the checkout, as in CI). */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { MultiSweReport } from "../../src/suite/grade-multi.js";
import type { MultiSweTestResult } from "../../src/task/index.js";

export const MULTI_SWE_DATASETS = resolve(import.meta.dirname, "../../../shared/datasets/multi-swe-bench");

/**
 * The fields of a record the parser tests compare with: the listed tests' transitions, typed as
 * the report the suite writes has them, and the three official runs (names only, no counts).
 */
export type MultiSweRecordFields = Pick<
  MultiSweReport,
  "f2p_tests" | "p2p_tests" | "s2p_tests" | "n2p_tests"
> &
  Record<"run_result" | "test_patch_result" | "fix_patch_result", MultiSweTestResult> & {
    instance_id: string;
  };

/** The record `id` of `file` (e.g. `jqlang__jq.jsonl`); a clear error when the datasets are not beside the checkout. */
export function multiSweRecord(file: string, id: string): MultiSweRecordFields {
  const path = join(MULTI_SWE_DATASETS, file);
  if (!existsSync(path))
    throw new Error(
      `${path} is missing: these tests need ../shared/datasets beside the checkout, as CI has it`,
    );
  const line = readFileSync(path, "utf8")
    .split("\n")
    .find((l) => l.includes(`"instance_id": "${id}"`));
  if (!line) throw new Error(`${id} not in ${file}`);
  return JSON.parse(line) as MultiSweRecordFields;
}
