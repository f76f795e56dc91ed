export { gitAuthEnv } from "./auth.js";
export {
  assertBranchName,
  type BranchWithPatchOptions,
  type BranchWithPatchResult,
  type CloneOptions,
  type CloneResult,
  type CommitAuthor,
  cloneOrReuse,
  createBranchWithPatch,
  type PushOptions,
  pushBranch,
} from "./git.js";
export {
  type ApplyMethod,
  type ApplyResult,
  applyPatch,
  type FileChange,
  PatchApplyError,
  patchedFiles,
  summarizePatch,
} from "./patch.js";
export {
  currentRemote,
  defaultBranch,
  headCommit,
  parseRemoteUrl,
  type RemoteInfo,
  stripCredentials,
} from "./remote.js";
