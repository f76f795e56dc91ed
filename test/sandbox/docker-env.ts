/**
 * Docker test set-up: whether the engine answers (under CI=true it must), and the images the
 * tests run on, built from the locally bootstrapped base (FIXPOINT_BASE_IMAGE, default
 * fixpoint/debian:bookworm) — `.ci/run` bootstraps it; if it is missing here, the bootstrap
 * script is run once (slow: debootstrap).
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { dockerAvailable, ensureFamilyImage } from "../../src/sandbox/index.js";

export const BASE_IMAGE = process.env.FIXPOINT_BASE_IMAGE ?? "fixpoint/debian:bookworm";
export const dockerUp = await dockerAvailable();
export const mustHaveDocker = process.env.CI === "true";
export const skipReason = dockerUp
  ? ""
  : "Docker is not answering: Docker tests skipped (start dockerd; under CI=true this fails)";

function imageExists(name: string): boolean {
  try {
    execFileSync("docker", ["image", "inspect", name], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** The python family image on the bootstrapped base (built once, then reused). */
export async function pythonImage(): Promise<string> {
  if (!imageExists(BASE_IMAGE)) {
    execFileSync(join(import.meta.dirname, "../../environments/bootstrap-base.sh"), ["--image", BASE_IMAGE], {
      stdio: "inherit",
    });
  }
  return (await ensureFamilyImage("python", BASE_IMAGE)).image;
}
