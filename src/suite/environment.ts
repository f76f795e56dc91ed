/**
 * The environment a suite task runs in, decided in this order: an image named by the task; an
 * image-name template (by default SWE-bench's published per-task images), used only when that
 * image exists locally or can be pulled; a recipe in `environments/recipes/`; otherwise the
 * repository's detected ecosystem (`buildEnvironmentImage`). Builds are shared between tasks
 * of the same repository and commit within a process.
 */
import { errorMessage } from "../common/index.js";
import type { Logger } from "../log/index.js";
import { buildEnvironmentImage, type EnvironmentImage } from "../sandbox/index.js";
import type { SuiteTask } from "../task/index.js";
import { findRecipe, type SuiteRecipe } from "./recipes.js";
import { findSweTestSpec, type SweTestSpec, specFramework, specTestCommand } from "./specs.js";

export const SWEBENCH_IMAGE_TEMPLATE = "swebench/sweb.eval.x86_64.{id_docker}:latest";

export type EnvironmentSource = "task" | "template" | "recipe" | "detected" | "local";

export interface TaskEnvironmentPlan {
  source: EnvironmentSource;
  /** Docker image (absent for the local sandbox). */
  image?: string;
  testCommand?: string;
  framework?: string;
  testSelection: "files" | "ids";
  recipePath?: string;
  /** SWE-bench's spec for the task's repository and version, when there is one: how its tests run and are graded. */
  spec?: SweTestSpec;
  /** The recipe's commands run in the checkout before its tests (see the recipe's `install`). */
  install?: string[];
}

export interface EnvironmentOptions {
  repoPath: string;
  sandbox: "docker" | "local";
  /** Image-name template; `null` turns the template step off. */
  imageTemplate?: string | null;
  recipesDir?: string;
  baseImage?: string;
  /** Where SWE-bench test specs are read (default the built-in ones); `null` turns them off. */
  specsDir?: string | null;
  log: Logger;
}

/** Fills `{instance_id}`, `{id_docker}` (SWE-bench's: `__` → `_1776_`, lower case), `{repo}`, `{version}`. */
export function renderImageTemplate(template: string, t: SuiteTask): string {
  return template
    .replaceAll("{instance_id}", t.instanceId)
    .replaceAll("{id_docker}", t.instanceId.replaceAll("__", "_1776_").toLowerCase())
    .replaceAll("{repo}", t.repoName.replace("/", "__").toLowerCase())
    .replaceAll("{version}", t.version ?? "");
}

const available = new Map<string, Promise<boolean>>();

/** True when `image` exists locally or a pull of it succeeds (memoized per process). */
async function imageAvailable(image: string, log: Logger): Promise<boolean> {
  let p = available.get(image);
  if (!p) {
    p = (async () => {
      const { default: Docker } = await import("dockerode");
      const docker = new Docker();
      try {
        await docker.getImage(image).inspect();
        return true;
      } catch {
        // not local: try a pull
      }
      try {
        const stream = await docker.pull(image);
        await new Promise<void>((resolve, reject) =>
          docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())),
        );
        return true;
      } catch (e) {
        log.debug({ image, err: errorMessage(e) }, "suite: image template: not available");
        return false;
      }
    })();
    available.set(image, p);
  }
  return p;
}

const builds = new Map<string, Promise<EnvironmentImage>>();

function buildOnce(key: string, run: () => Promise<EnvironmentImage>): Promise<EnvironmentImage> {
  let p = builds.get(key);
  if (!p) {
    p = run();
    builds.set(key, p);
    p.catch(() => builds.delete(key));
  }
  return p;
}

function recipeSetup(recipe: SuiteRecipe): string[] {
  const apt = recipe.packages.length
    ? [
        `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${recipe.packages.join(" ")} && rm -rf /var/lib/apt/lists/*`,
      ]
    : [];
  return [...apt, ...recipe.setup];
}

export async function resolveEnvironment(
  t: SuiteTask,
  opts: EnvironmentOptions,
): Promise<TaskEnvironmentPlan> {
  const found = findRecipe(t.repoName, t.version, opts.recipesDir);
  const recipe = found?.recipe;
  const selection: "files" | "ids" = recipe?.test_selection ?? (t.testPatch.trim() ? "files" : "ids");
  // The task's own command wins; then SWE-bench's spec for the repository and version (how the
  // official harness runs them: bin/test for sympy, runtests.py for django); then the recipe's.
  const spec =
    t.testCommand || opts.specsDir === null ? null : findSweTestSpec(t.repoName, t.version, opts.specsDir);
  if (spec && !spec.versionKnown) {
    opts.log.warn(
      { repo: t.repoName, version: t.version, spec: spec.specPath },
      "suite: no SWE-bench spec for this version; the repository's defaults are used",
    );
  }
  const framework = spec ? specFramework(spec) : recipe?.framework;
  const tests = {
    testSelection: selection,
    ...(framework ? { framework } : {}),
    ...(found ? { recipePath: found.path } : {}),
    ...(spec ? { spec } : {}),
    ...(recipe?.install.length ? { install: recipe.install } : {}),
  };
  const testCommand = t.testCommand ?? (spec ? specTestCommand(spec) : recipe?.test_command);
  const withCommand = (cmd: string | undefined) => (cmd ? { testCommand: cmd } : {});

  if (opts.sandbox === "local") return { source: "local", ...withCommand(testCommand), ...tests };
  if (t.image) return { source: "task", image: t.image, ...withCommand(testCommand), ...tests };

  if (opts.imageTemplate) {
    const image = renderImageTemplate(opts.imageTemplate, t);
    if (await imageAvailable(image, opts.log)) {
      // SWE-bench's images keep the repository's environment in the conda env "testbed".
      // (A spec's command activates it itself.)
      const cmd = testCommand ?? "pytest -rA";
      const activated =
        opts.imageTemplate === SWEBENCH_IMAGE_TEMPLATE && !spec
          ? `source /opt/miniconda3/bin/activate testbed && ${cmd}`
          : cmd;
      return { source: "template", image, testCommand: activated, ...tests };
    }
  }

  if (recipe) {
    if (recipe.image) return { source: "recipe", image: recipe.image, ...withCommand(testCommand), ...tests };
    const base = recipe.base ?? opts.baseImage;
    const key = `recipe:${found.path}:${opts.repoPath}:${t.baseCommit}:${base ?? ""}`;
    const built = await buildOnce(key, () =>
      buildEnvironmentImage({
        repoPath: opts.repoPath,
        baseCommit: t.baseCommit,
        ...(base ? { baseImage: base } : {}),
        recipe: {
          setup: recipeSetup(recipe),
          test_command: recipe.test_command,
          copy: [],
          ...(recipe.node ? { node: recipe.node } : {}),
        },
        // Debian packages alone need nothing from the repository: one image for every commit. A
        // recipe with neither packages nor setup keeps the detected install, from the manifests.
        manifests: recipe.setup.length > 0 || recipe.packages.length === 0,
        log: opts.log,
      }),
    );
    return { source: "recipe", image: built.image, ...withCommand(testCommand), ...tests };
  }

  const key = `detect:${opts.repoPath}:${t.baseCommit}:${opts.baseImage ?? ""}`;
  const built = await buildOnce(key, () =>
    buildEnvironmentImage({
      repoPath: opts.repoPath,
      baseCommit: t.baseCommit,
      ...(opts.baseImage ? { baseImage: opts.baseImage } : {}),
      log: opts.log,
    }),
  );
  return {
    source: "detected",
    image: built.image,
    ...withCommand(testCommand ?? built.testCommand),
    ...tests,
  };
}
