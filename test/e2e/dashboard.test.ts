// The dashboard in a real browser (Debian chromium via playwright-core) against the shared wrangler dev:
// sign-in, subscriptions from the catalogue, live events, deliveries, attempts, retry, pause/resume,
// rotate, sign-out; every page checked with axe-core and photographed at 1280×800 and 390×844.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { HAVE_CHROMIUM, launchChromium, NO_CHROMIUM_MESSAGE, screenshot, seriousViolations, VIEWPORTS } from "./browser.ts";
import { eventually, gatewayClient } from "./delivery-helpers.ts";
import { startReceiver, type Receiver } from "./receiver.ts";

const gatewayUrl = inject("gatewayUrl");
const adminToken = inject("adminToken");
const DASH = `${gatewayUrl}/webhooks/v2/dashboard`;
const api = gatewayClient(gatewayUrl, adminToken);

if (!HAVE_CHROMIUM) console.warn(NO_CHROMIUM_MESSAGE);

describe.skipIf(!HAVE_CHROMIUM)("dashboard in chromium", () => {
  let browser: Browser;
  let desktop: BrowserContext;
  let page: Page;
  let receiver: Receiver;
  const cspErrors: string[] = [];
  /** Every page visited: [screenshot name, dashboard path]. */
  const visited = new Map<string, string>();
  let subscriptionId = "";
  let eventId = "";
  let deliveryId = "";

  /** Checks a page with axe and photographs it at the context's size. */
  async function check(p: Page, name: string, size: keyof typeof VIEWPORTS) {
    expect(await seriousViolations(p), `axe on ${name} (${size})`).toEqual([]);
    await screenshot(p, name, size);
    visited.set(name, new URL(p.url()).pathname + new URL(p.url()).search);
  }

  beforeAll(async () => {
    receiver = await startReceiver();
    browser = await launchChromium();
    desktop = await browser.newContext({ viewport: VIEWPORTS.desktop });
    page = await desktop.newPage();
    page.on("console", (m) => {
      if (/Content.Security.Policy/i.test(m.text())) cspErrors.push(m.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await receiver?.close();
  });

  it("signs in with the admin token; the session cookie is HttpOnly and SameSite=Strict; the CSP has no inline scripts", async () => {
    const res = await page.goto(DASH);
    expect(new URL(page.url()).pathname).toBe("/webhooks/v2/dashboard/sign-in");
    expect(res!.headers()["content-security-policy"]).toContain("script-src 'self'");
    expect(res!.headers()["content-security-policy"]).not.toContain("unsafe-inline");
    await check(page, "sign-in", "desktop");
    await page.fill("#token", "not-a-valid-token-at-all");
    await page.click("[data-testid=sign-in] button");
    await page.getByRole("alert").waitFor();
    expect(await page.getByRole("alert").textContent()).toContain("not valid");
    await page.fill("#token", adminToken);
    await page.click("[data-testid=sign-in] button");
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    const [cookie] = await desktop.cookies();
    expect(cookie).toMatchObject({ name: "edgehook_session", httpOnly: true, sameSite: "Strict", path: "/webhooks/v2/dashboard" });
    expect(cookie!.value).not.toContain(adminToken);
    await page.locator('[data-chart="volume"] canvas').waitFor();
    await check(page, "overview", "desktop");
  });

  it("creates a subscription from the integration catalogue pointing at a local receiver; the secret is shown once", async () => {
    await page.goto(`${DASH}/subscriptions`);
    await page.selectOption("[data-testid=integration-select]", "webhook");
    await page.getByRole("button", { name: "Choose" }).click();
    await page.locator("#param-webhookUrl").waitFor();
    await page.fill("#name", "dashboard receiver");
    await page.fill("#param-webhookUrl", receiver.url);
    await page.fill("#events", "dash.*");
    await page.click("[data-testid=create-subscription] button[type=submit]");
    const secret = (await page.locator("[data-testid=secret-once]").textContent())!.trim();
    expect(secret).toMatch(/^whsec_/);
    await check(page, "secret-once", "desktop");
    await page.getByRole("link", { name: "Go to the subscription" }).click();
    await page.locator("[data-testid=subscription-status]").waitFor();
    subscriptionId = new URL(page.url()).pathname.split("/").pop()!;
    expect(await page.content()).not.toContain(secret);
    const stored = await api(`/subscriptions/${subscriptionId}`);
    expect(stored.json.data).toMatchObject({ name: "dashboard receiver", url: new URL(receiver.url).href, events: ["dash.*"] });
    await page.goto(`${DASH}/subscriptions`);
    await page.locator(`[data-testid=subscriptions-table] tr[data-id="${subscriptionId}"]`).waitFor();
    await check(page, "subscriptions", "desktop");
  });

  it("shows a published event on the live page without a reload, then in the deliveries table", async () => {
    await page.goto(`${DASH}/live`);
    await page.getByText("Connected").waitFor();
    await page.evaluate(() => ((window as any).__noReload = true));
    const published = await api("/events", { body: { type: "dash.checked", data: { n: 1 } } });
    expect(published.status).toBe(201);
    eventId = published.json.data.id;
    await page.locator(`[data-testid=live-events] li[data-id="${eventId}"]`).waitFor({ timeout: 15_000 });
    expect(await page.evaluate(() => (window as any).__noReload)).toBe(true);
    expect(await page.locator(`[data-testid=live-events] li[data-id="${eventId}"]`).textContent()).toContain("dash.checked");
    await check(page, "live", "desktop");

    await receiver.waitFor(1);
    deliveryId = await eventually(async () => {
      const e = await api(`/events/${eventId}`);
      return e.json.data?.deliveries?.find((d: any) => d.subscriptionId === subscriptionId)?.id;
    });
    await page.goto(`${DASH}/subscriptions/${subscriptionId}`);
    const row = page.locator(`[data-testid=deliveries-table] tr[data-id="${deliveryId}"]`);
    await row.waitFor();
    await check(page, "subscription", "desktop");
    await page.goto(`${DASH}/subscriptions/${subscriptionId}?status=failed`);
    await page.locator("[data-testid=deliveries-table]").waitFor();
    expect(await page.locator(`[data-testid=deliveries-table] tr[data-id="${deliveryId}"]`).count()).toBe(0);
  });

  it("opens a delivery's attempts and retries it", async () => {
    await page.goto(`${DASH}/subscriptions/${subscriptionId}`);
    await page.locator(`[data-testid=deliveries-table] tr[data-id="${deliveryId}"] a`).click();
    await page.locator("[data-testid=attempts] li[data-attempt='1']").waitFor();
    expect(await page.locator("[data-testid=attempts]").textContent()).toContain("HTTP 200");
    expect(await page.locator("pre.code").first().textContent()).toContain(eventId);
    await check(page, "delivery", "desktop");
    await page.click("[data-testid=retry]");
    await receiver.waitFor(2);
    expect(receiver.requests[1]!.headers["webhook-id"]).toBe(eventId);
    await eventually(async () => {
      await page.goto(`${DASH}/subscriptions/${subscriptionId}/deliveries/${deliveryId}`);
      return (await page.locator("[data-testid=attempts] li").count()) >= 2 ? true : undefined;
    });
  });

  it("pauses and resumes the subscription, sends a test, and rotates the secret (shown once)", async () => {
    await page.goto(`${DASH}/subscriptions/${subscriptionId}`);
    await page.click("[data-testid=pause]");
    await expect.poll(() => page.locator("[data-testid=subscription-status]").textContent()).toBe("paused");
    expect((await api(`/subscriptions/${subscriptionId}`)).json.data.status).toBe("paused");
    await page.click("[data-testid=resume]");
    await expect.poll(() => page.locator("[data-testid=subscription-status]").textContent()).toBe("active");
    expect((await api(`/subscriptions/${subscriptionId}`)).json.data.status).toBe("active");
    await page.click("[data-testid=send-test]");
    await page.getByRole("status").filter({ hasText: "Test delivery" }).waitFor();
    expect(await page.getByRole("status").filter({ hasText: "Test delivery" }).textContent()).toContain("success");
    await page.click("[data-testid=rotate-secret]");
    const secret = (await page.locator("[data-testid=secret-once]").textContent())!.trim();
    expect(secret).toMatch(/^whsec_/);
    await page.goto(`${DASH}/subscriptions/${subscriptionId}`);
    expect(await page.content()).not.toContain(secret);
  });

  it("refuses a change without the CSRF token", async () => {
    const cookies = await desktop.cookies();
    const cookie = cookies.map((c) => `${c.name}=${c.value}`).join("; ");
    const res = await fetch(`${DASH}/subscriptions/${subscriptionId}/pause`, { method: "POST", headers: { Cookie: cookie, "Content-Type": "application/x-www-form-urlencoded" }, body: "csrf=wrong" });
    expect(res.status).toBe(403);
    expect((await res.json()).code).toBe("FORBIDDEN");
    expect((await api(`/subscriptions/${subscriptionId}`)).json.data.status).toBe("active");
  });

  it.each([
    ["events", "/events"],
    ["catalogue", "/catalogue"],
    ["rules", "/rules"],
    ["inspectors", "/inspectors"],
    ["sources", "/sources"],
    ["tokens", "/tokens"],
  ])("the %s page passes axe at desktop size", async (name, path) => {
    await page.goto(`${DASH}${path}`);
    await page.getByRole("heading", { level: 1 }).waitFor();
    await check(page, name, "desktop");
    if (name === "tokens") expect(await page.locator("[data-testid=tokens-table]").count()).toBe(1);
  });

  it("the tenants page lists tenants; a row's portal link button shows the sign-in url once", async () => {
    const tenantId = `dash-${Date.now().toString(36)}`;
    expect((await api("/tenants", { body: { id: tenantId, name: "Dashboard tenant" } })).status).toBe(201);
    await page.goto(`${DASH}/tenants`);
    const row = page.locator(`[data-testid=tenants-table] tr[data-id="${tenantId}"]`);
    await row.waitFor();
    expect(await page.locator('[data-testid=tenants-table] tr[data-id="default"]').count()).toBe(1);
    await check(page, "tenants", "desktop");
    await row.locator("[data-testid=portal-link]").click();
    const url = (await page.locator("[data-testid=portal-url-once]").textContent())!.trim();
    expect(url).toMatch(/\/webhooks\/v2\/dashboard\?token=ehp_[A-Za-z0-9_-]+$/);
    await check(page, "portal-link", "desktop");
    await page.goto(`${DASH}/tenants`);
    expect(await page.locator("[data-testid=portal-url-once]").count()).toBe(0);
    expect(await page.content()).not.toContain(url.split("token=")[1]!);
  });

  // The subscriptions list of a tenant's caller needs the subscription routes' tenant scoping (issue 13).
  it("signs in with a portal link and sees only that tenant's subscriptions", async () => {
    const tenantId = `portal-${Date.now().toString(36)}`;
    expect((await api("/tenants", { body: { id: tenantId, name: "Portal tenant" } })).status).toBe(201);
    const portal = (await api(`/tenants/${tenantId}/portal`, { body: { expiresIn: 900 } })).json.data;
    const mine = (await gatewayClient(gatewayUrl, portal.token)("/subscriptions", { body: { url: receiver.url, events: ["portal.*"], name: "portal sub" } })).json.data.id as string;
    const visitor = await browser.newContext({ viewport: VIEWPORTS.desktop });
    const p = await visitor.newPage();
    await p.goto(`${gatewayUrl}${portal.url}`);
    await p.getByRole("heading", { name: "Overview" }).waitFor();
    expect(p.url()).not.toContain("token=");
    await p.goto(`${DASH}/subscriptions`);
    await p.locator(`[data-testid=subscriptions-table] tr[data-id="${mine}"]`).waitFor();
    expect(await p.locator(`[data-testid=subscriptions-table] tr[data-id="${subscriptionId}"]`).count()).toBe(0);
    expect(await p.locator("[data-testid=subscriptions-table] tbody tr").count()).toBe(1);
    await check(p, "portal-subscriptions", "desktop");
    await visitor.close();
  });

  it("searches the event log; the lists read without JavaScript", async () => {
    await page.goto(`${DASH}/events?type=dash.*`);
    await page.locator(`[data-testid=events-table] tr[data-id="${eventId}"]`).waitFor();
    const noJs = await browser.newContext({ javaScriptEnabled: false, storageState: await desktop.storageState() });
    const plain = await noJs.newPage();
    await plain.goto(`${DASH}/subscriptions`);
    expect(await plain.locator(`[data-testid=subscriptions-table] tr[data-id="${subscriptionId}"]`).count()).toBe(1);
    await plain.goto(`${DASH}/subscriptions/${subscriptionId}`);
    expect(await plain.locator(`[data-testid=deliveries-table] tr[data-id="${deliveryId}"]`).count()).toBe(1);
    await noJs.close();
  });

  describe("at phone size (390×844)", () => {
    let phone: BrowserContext;
    let p: Page;
    beforeAll(async () => {
      phone = await browser.newContext({ viewport: VIEWPORTS.phone, storageState: await desktop.storageState() });
      p = await phone.newPage();
    });
    afterAll(() => phone?.close());

    it.each(["overview", "subscriptions", "subscription", "delivery", "live", "events", "catalogue", "rules", "inspectors", "sources", "tokens", "tenants"])(
      "the %s page passes axe and fits the width",
      async (name) => {
        const path = visited.get(name);
        expect(path, `${name} was visited at desktop size`).toBeDefined();
        await p.goto(`${gatewayUrl}${path}`);
        await p.getByRole("heading", { level: 1 }).waitFor();
        const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, `${name} scrolls sideways on a phone`).toBeLessThanOrEqual(0);
        await check(p, name, "phone");
      },
    );

    it("the sign-in page passes axe", async () => {
      const signedOut = await browser.newContext({ viewport: VIEWPORTS.phone });
      const s = await signedOut.newPage();
      await s.goto(`${DASH}/sign-in`);
      await check(s, "sign-in", "phone");
      await signedOut.close();
    });
  });

  it("signs out; the old cookie no longer works", async () => {
    const before = await desktop.cookies();
    await page.goto(DASH);
    await page.click("[data-testid=sign-out]");
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    expect((await desktop.cookies()).find((c) => c.name === "edgehook_session")).toBeUndefined();
    await desktop.addCookies(before);
    await page.goto(`${DASH}/subscriptions`);
    expect(new URL(page.url()).pathname).toBe("/webhooks/v2/dashboard/sign-in");
    expect(cspErrors).toEqual([]);
  });
});
