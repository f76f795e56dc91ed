export { parseDuration } from "./duration.js";
export { describeZodError, errorMessage, FixpointError, InfraError, UsageError } from "./errors.js";
export { fixpointCacheDir, writeFileAtomic } from "./fs.js";
export { type BoundOptions, boundOutput } from "./truncate.js";
export { FIXPOINT_VERSION } from "./version.js";
