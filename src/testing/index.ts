export type { TestCaseResult, TestRunReport, TestSelection, TestStatus } from "./types.js";
