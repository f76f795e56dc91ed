export {
  type EnvironmentOptions,
  type EnvironmentSource,
  renderImageTemplate,
  resolveEnvironment,
  SWEBENCH_IMAGE_TEMPLATE,
  type TaskEnvironmentPlan,
} from "./environment.js";
export {
  type EvalOptions,
  type EvalResult,
  type EvalStatus,
  evaluatePredictions,
  type GradeAttempts,
  gradeIntoTaskDir,
  gradeTask,
  type TaskReport,
} from "./eval.js";
export {
  type GradeInput,
  type GradeResult,
  gradeLog,
  MARKERS,
  type Resolution,
  sweBenchReport,
  type TestsStatus,
} from "./grade.js";
export { hasModelPlaceholders, renderModelSpec } from "./model-spec.js";
export {
  applyPatchInSandbox,
  applyTestPatchInSandbox,
  type SandboxApplyMethod,
  type SandboxApplyResult,
  testDirectives,
} from "./patch.js";
export {
  type LoadedPredictions,
  loadPredictions,
  type Prediction,
  PredictionSchema,
  PredictionWriter,
  parsePredictions,
} from "./predictions.js";
export {
  BUILTIN_RECIPES_DIR,
  type FoundRecipe,
  findRecipe,
  parseSuiteRecipe,
  type SuiteRecipe,
  SuiteRecipeSchema,
} from "./recipes.js";
export {
  type EvalSummary,
  histogram,
  type RunFigures,
  readRunFigures,
  renderHtmlReport,
  summarize,
} from "./report.js";
export { findInMirror, hasCommit, mirrorCandidates, type RepoOptions, resolveTaskRepo } from "./repos.js";
export {
  agentTask,
  readStatus,
  runSuite,
  runSuiteTask,
  type SuiteProgress,
  type SuiteRunOptions,
  type SuiteRunResult,
  type SuiteTaskOptions,
  startSuite,
  suiteProgressReporter,
  type TaskRunState,
  type TaskStatusRecord,
} from "./run.js";
export {
  BUILTIN_SPECS_DIR,
  evalScript,
  findSweTestSpec,
  loadSweSpecFile,
  parseSweSpecFile,
  SWE_LOG_PARSERS,
  SWEBENCH_MARKERS,
  type SweDirectiveStyle,
  type SweLogParser,
  type SweSpecFile,
  SweSpecFileSchema,
  type SweTestSpec,
  specFramework,
  specTestCommand,
  testDirectivesFor,
} from "./specs.js";
export { taskDirName } from "./util.js";
