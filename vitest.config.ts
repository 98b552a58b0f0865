// Root vitest config: the workers-pool project (unit + worker tests inside workerd) and the
// Node e2e project (real `wrangler dev`, real HTTP). The JSON report feeds .ci/run's tally.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: ["./vitest.workers.config.ts", "./vitest.e2e.config.ts", "./vitest.static.config.ts"],
    reporters: ["default", ["json", { outputFile: "test-results/vitest.json" }]],
    // One line per file in a green run: no per-test lines for "slow" tests (timing lives in bench/).
    slowTestThreshold: 600_000,
  },
});
