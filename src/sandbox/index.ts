export {
  createDockerSandbox,
  DOCKER_DEFAULTS,
  type DockerSandboxOptions,
  dockerAvailable,
  type GcOptions,
  gcSandboxes,
  sandboxOwner,
} from "./docker.js";
export {
  type BuildEnvironmentOptions,
  buildEnvironmentImage,
  DEFAULT_BASE_IMAGE,
  detectEcosystem,
  type Ecosystem,
  type EnvironmentImage,
  type EnvRecipe,
  EnvRecipeSchema,
  ensureFamilyImage,
  type Family,
  loadEnvRecipe,
  parseEnvRecipe,
} from "./environment.js";
export { createLocalSandbox, type LocalSandboxOptions } from "./local.js";
export { type OpenSandboxOptions, openSandbox, parseMemory } from "./open.js";
export { closeAllSandboxes, openSandboxCount } from "./registry.js";
export {
  PersistentShell,
  type PersistentShellOptions,
  type ShellHost,
  type ShellProcess,
  type ShellRunOptions,
  type ShellSignal,
  SIGNAL_SCRIPT,
} from "./shell.js";
export type { ExecOptions, ExecResult, Sandbox } from "./types.js";
