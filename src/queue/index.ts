export {
  jobIdFor,
  parseQueueUrl,
  probeRedis,
  QUEUE_NAME,
  redactUrl,
  suiteIdFor,
} from "./connection.js";
export { type QueueRunOptions, runSuiteOnQueue } from "./coordinator.js";
export { evaluateOnQueue, type QueueEvalOptions } from "./eval-coordinator.js";
export {
  type EvalSettings,
  parseJobData,
  type RunSettings,
} from "./payload.js";
export { queueStatus, type SuiteQueueStatus } from "./status.js";
export { type QueueWorker, type QueueWorkerOptions, startQueueWorker } from "./worker.js";
