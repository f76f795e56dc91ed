export {
  BUILTIN_FIXTURES_DIR,
  type Fixture,
  listFixtures,
  loadFixture,
  materializeFixture,
} from "./fixture.js";
export {
  type GitHubIssueTask,
  type GitHubIssueTaskOptions,
  type IssueLocation,
  type IssueReference,
  loadGitHubIssueTask,
  looksLikeIssueReference,
  parseIssueReference,
  resolveIssueReference,
} from "./github.js";
export { type LocalTaskOptions, makeLocalTask, readIssueText, resolveRepo } from "./local.js";
export {
  type LoadedTasks,
  loadTaskFile,
  type MultiSweExpectation,
  type MultiSweStatus,
  type MultiSweTestResult,
  parseTaskFile,
  parseTaskRecord,
  type SuiteTask,
  selectTasks,
  type TaskFormat,
  type TaskRecordError,
} from "./swebench.js";
export type { RepoSource, Task, TaskEnvironment, TaskTests } from "./types.js";
