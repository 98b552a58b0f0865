// The dashboard's generated assets module matches node_modules and src/dashboard/client (run `node scripts/vendor-dashboard.mjs`).
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { OUTPUT, renderAssetsModule } from "../../scripts/vendor-dashboard.mjs";

it("src/dashboard/assets.gen.ts is up to date", () => {
  expect(readFileSync(OUTPUT, "utf8") === renderAssetsModule(), "stale: run `node scripts/vendor-dashboard.mjs`").toBe(true);
});
