export type { ExecOptions, ExecResult, Sandbox } from "./types.js";
