import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "evals/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Sandbox and Docker tests spawn real processes; two cores, so keep forks modest.
    pool: "forks",
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
