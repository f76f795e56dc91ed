export { parseDuration } from "./duration.js";
export { describeZodError, errorMessage, FixpointError, InfraError, UsageError } from "./errors.js";
export { fixpointCacheDir, writeFileAtomic } from "./fs.js";
export {
  cleanGitEnv,
  type GitOptions,
  type GitResult,
  git,
  gitClient,
  gitErrorLine,
  gitSync,
} from "./git.js";
export { type MarkerMatch, OutputCollector } from "./output.js";
export { type ProcessOptions, type ProcessResult, runProcess } from "./process.js";
export { escapeRegex, shellQuote } from "./quote.js";
export { type BoundOptions, boundOutput } from "./truncate.js";
export { FIXPOINT_VERSION } from "./version.js";
