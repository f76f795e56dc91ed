/** A task: what to solve, in which repository, from which commit, and how to check it. */

export type RepoSource =
  | { kind: "local"; path: string }
  | { kind: "url"; url: string }
  /** A git directory holding the repository (a mirror); checkouts are made from it. */
  | { kind: "mirror"; gitDir: string };

export interface TaskTests {
  /** Tests that fail before the fix and must pass after (SWE-bench FAIL_TO_PASS). */
  failToPass: string[];
  /** Tests that must keep passing (SWE-bench PASS_TO_PASS). */
  passToPass: string[];
  /** Shell command running the tests, run from the checkout root. */
  command?: string;
}

export interface TaskEnvironment {
  image?: string;
  setup?: string[];
  testCommand?: string;
}

export interface Task {
  id: string;
  repo: RepoSource;
  /** Commit to start from; default the repository's HEAD. */
  baseCommit?: string;
  /** The issue text, with image URLs kept as text. */
  problemStatement: string;
  hints?: string;
  tests?: TaskTests;
  environment?: TaskEnvironment;
  /** Where the task came from, for reports: a file path, a URL, `text`, a dataset name. */
  origin: string;
  /** Repository name as OWNER/NAME when known (GitHub issues, SWE-bench records). */
  repoName?: string;
}
