export { testingCodeVersion } from "./code-version.js";
export {
  type CompareInput,
  type Comparison,
  type Confirmation,
  compareWithBaseline,
  confirmSuspects,
  type NamedOutcome,
  type Suspect,
  sameTest,
  testFileOf,
} from "./compare.js";
export {
  DETECTION_SIGNALS,
  type Detection,
  detectionFor,
  detectTestFramework,
  selectionCommand,
  selectsByFile,
  unittestLabel,
} from "./detect.js";
export { canonicalTestId, evaluateTests, type TestEvaluation, type TestGroupOutcome } from "./evaluate.js";
export {
  type Framework,
  frameworkFromCommand,
  frameworkFromOutput,
  PARSERS,
  type Parser,
  parseTestOutput,
  resolveFramework,
} from "./parse.js";
export { parseJest, parseMocha, parseNodeTestSpec, parseVitest } from "./parse-js.js";
export { parseCargoTest, parseGoTestJson, parseJUnitXml } from "./parse-native.js";
export { parsePytest, parseUnittest } from "./parse-python.js";
export { parseNodeTest, parseTap } from "./parse-tap.js";
export { isTestFile, relatedTests } from "./related.js";
export {
  countResults,
  DEFAULT_TEST_TIMEOUT_MS,
  NO_FRAMEWORK_EXIT_CODE,
  noFrameworkMessage,
  type RunTestsOptions,
  resolveTestCommand,
  runSelection,
  runTests,
  type TestPlan,
} from "./run.js";
export { type SummaryOptions, summarizeTestReport } from "./summary.js";
export {
  SWEBENCH_LOG_PARSERS,
  type SweLogParser,
  type SweStatus,
  sweLogParserByName,
  sweLogParserForRepo,
} from "./swebench-logs.js";
export type { TestCaseResult, TestRunReport, TestSelection, TestStatus } from "./types.js";
export type { ParseOptions } from "./util.js";
