export {
  type CreatePullRequestInput,
  createGitHubClient,
  DEFAULT_API_URL,
  type GitHubClient,
  type GitHubClientOptions,
  type RetryOptions,
  resolveGitHubToken,
  webUrlFromApiUrl,
} from "./client.js";
export { COMMENT_MARKER, isFixpointComment, PROGRESS_MARKER, pullRequestMarker } from "./markers.js";
export {
  type BodyInput,
  branchNameFor,
  DEFAULT_AUTHOR,
  DEFAULT_BRANCH_PATTERN,
  DEFAULT_PR_TEMPLATE,
  type OpenPullRequestInput,
  openPullRequestForRun,
  type PullRequestOptions,
  PullRequestRefused,
  type PullRequestResult,
  type RefusalReason,
  type RunOutcome,
  renderPullRequestBody,
} from "./pr.js";
export type {
  GitHubComment,
  GitHubIssue,
  GitHubPullRequest,
  GitHubRepo,
  IssueRef,
  RepoPermission,
} from "./types.js";
