// Browser helpers for the dashboard tests: Debian's chromium through playwright-core (never a browser
// download), axe-core run in the page, screenshots under test-results/screenshots/.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Browser, Page } from "playwright-core";

const require = createRequire(import.meta.url);

/** Where the browser is looked for: CHROMIUM_PATH, then Debian's package. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** True when the browser tests can run here. */
export const HAVE_CHROMIUM = existsSync(CHROMIUM_PATH);
/** What to tell someone whose run skipped them. */
export const NO_CHROMIUM_MESSAGE =
  `\n!!! Dashboard browser tests SKIPPED: no chromium at ${CHROMIUM_PATH}.\n` +
  "!!! Install Debian's browser with `sudo apt-get install -y chromium` (or set CHROMIUM_PATH), then run\n" +
  "!!! `npx vitest run --project e2e test/e2e/dashboard.test.ts`. .ci/run installs it when missing.\n";

export const SCREENSHOT_DIR = "test-results/screenshots";
/** The two sizes every page is checked at. */
export const VIEWPORTS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;

/** Launches the one browser instance of the run. */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  // --no-sandbox: the tests run as root in containers, where chromium's sandbox cannot start.
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
}

let axeSource: string | null = null;

/** Axe violations of impact serious or critical on the current page (empty when clean). */
export async function seriousViolations(page: Page): Promise<{ id: string; impact: string; help: string; nodes: string[] }[]> {
  axeSource ??= readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
  // Evaluated through the DevTools protocol, which the page's CSP does not govern (a <script> tag would be refused).
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const axe = (globalThis as any).axe;
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v: any) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n: any) => n.target.join(" ")) }));
  });
  return result.filter((v: { impact: string }) => v.impact === "serious" || v.impact === "critical");
}

/** Saves a full-page screenshot as `<name>-<size>.png`. */
export async function screenshot(page: Page, name: string, size: keyof typeof VIEWPORTS): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = `${SCREENSHOT_DIR}/${name}-${size}.png`;
  // caret "initial": hiding the caret injects a <style>, which the dashboard's CSP (rightly) refuses.
  await page.screenshot({ path, fullPage: true, caret: "initial" });
  return path;
}
