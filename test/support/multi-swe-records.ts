/** The official Multi-SWE-bench records in ../shared/datasets (beside the checkout, as in CI). */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const MULTI_SWE_DATASETS = resolve(import.meta.dirname, "../../../shared/datasets/multi-swe-bench");

export interface MultiSweTransition {
  run: string;
  test: string;
  fix: string;
}
export interface MultiSweRunResult {
  passed_tests: string[];
  failed_tests: string[];
  skipped_tests: string[];
}
/** The fields of a record the parser tests compare with. */
export interface MultiSweRecordFields {
  instance_id: string;
  run_result: MultiSweRunResult;
  test_patch_result: MultiSweRunResult;
  fix_patch_result: MultiSweRunResult;
  f2p_tests: Record<string, MultiSweTransition>;
  p2p_tests: Record<string, MultiSweTransition>;
  s2p_tests: Record<string, MultiSweTransition>;
  n2p_tests: Record<string, MultiSweTransition>;
}

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
