/** `auto` falls back to the local sandbox when the environment image cannot be built; `docker` fails. */
import { describe, expect, it } from "vitest";
import { InfraError } from "../../src/common/index.js";
import { openSandbox } from "../../src/sandbox/index.js";
import { fixtureRepo } from "../support/fixtures.js";
import { dockerUp, mustHaveDocker } from "./docker-env.js";

describe.skipIf(!dockerUp && !mustHaveDocker)("openSandbox with an unbuildable image", () => {
  it("auto: uses the local sandbox; docker: an infrastructure error", async () => {
    const { dir } = await fixtureRepo("py-median");
    const baseImage = "fixpoint-test/no-such-base:0";
    const auto = await openSandbox({ kind: "auto", repoPath: dir, baseImage });
    try {
      expect(auto.kind).toBe("local");
      expect((await auto.exec("ls statkit")).stdout).toContain("stats.py");
    } finally {
      await auto.close();
    }
    await expect(openSandbox({ kind: "docker", repoPath: dir, baseImage })).rejects.toBeInstanceOf(
      InfraError,
    );
  }, 180_000);
});
