// Static checks in Node over the source tree (no runtime): the layer rule of shared/DESIGN.md.
import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "static",
    environment: "node",
    include: ["test/static/**/*.test.ts"],
  },
});
