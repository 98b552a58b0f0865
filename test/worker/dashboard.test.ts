// Dashboard sign-in, session cookie, CSRF and the API's own rules behind the pages, through the real Worker.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, createToken } from "./helpers";

const DASH = "https://gateway.test/webhooks/v2/dashboard";

async function get(path: string, cookie?: string) {
  return exports.default.fetch(new Request(`${DASH}${path}`, { headers: cookie ? { Cookie: cookie } : {}, redirect: "manual" }));
}

async function post(path: string, form: Record<string, string>, cookie?: string) {
  const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded" };
  if (cookie) headers.Cookie = cookie;
  return exports.default.fetch(new Request(`${DASH}${path}`, { method: "POST", headers, body: new URLSearchParams(form).toString(), redirect: "manual" }));
}

async function signIn(token: string): Promise<{ cookie: string; setCookie: string }> {
  const res = await post("/sign-in", { token });
  expect(res.status).toBe(303);
  const setCookie = res.headers.get("Set-Cookie")!;
  return { cookie: setCookie.split(";")[0]!, setCookie };
}

async function csrfOf(cookie: string): Promise<string> {
  const html = await (await get("/subscriptions", cookie)).text();
  return /name="csrf" value="([^"]+)"/.exec(html)![1]!;
}

describe("dashboard sessions", () => {
  it("sends a visitor without a session to sign-in, with a CSP that allows no inline script", async () => {
    const res = await get("");
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/webhooks/v2/dashboard/sign-in");
    const page = await get("/sign-in");
    expect(page.headers.get("Content-Security-Policy")).toMatch(/script-src 'self';/);
    expect(page.headers.get("Content-Security-Policy")).not.toContain("unsafe");
    expect(await page.text()).toMatch(/^<!DOCTYPE html>/);
  });

  it("refuses a token the API refuses, and seals an accepted one in a Secure, HttpOnly, SameSite=Strict cookie", async () => {
    const bad = await post("/sign-in", { token: "ehk_not_a_real_token_000000" });
    expect(bad.status).toBe(401);
    expect(await bad.text()).toContain("not valid");
    const { setCookie, cookie } = await signIn(ADMIN_TOKEN);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Secure/);
    expect(setCookie).toMatch(/Path=\/webhooks\/v2\/dashboard/);
    expect(decodeURIComponent(cookie)).not.toContain(ADMIN_TOKEN);
    expect((await get("", cookie)).status).toBe(200);
  });

  it("takes only a portal token from the url, and only one the API accepts", async () => {
    const apiKey = await get(`?token=${encodeURIComponent(ADMIN_TOKEN)}`);
    expect(apiKey.status).toBe(400);
    expect(apiKey.headers.get("Set-Cookie")).toBeNull();
    expect(await apiKey.text()).toContain("Only a portal link");
    const unknown = await get("?token=ehp_not_a_real_portal_token");
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get("Set-Cookie")).toBeNull();
    expect(unknown.headers.get("Referrer-Policy")).toBe("no-referrer");
  });

  it("does not accept an altered cookie", async () => {
    const { cookie } = await signIn(ADMIN_TOKEN);
    const [name, value] = cookie.split("=") as [string, string];
    const raw = decodeURIComponent(value);
    const flipped = raw.slice(0, -2) + (raw.at(-2) === "A" ? "B" : "A") + raw.at(-1);
    const res = await get("/subscriptions", `${name}=${encodeURIComponent(flipped)}`);
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/webhooks/v2/dashboard/sign-in");
  });

  it("refuses a change without the session's CSRF token (error envelope), and makes it with the token", async () => {
    const { cookie } = await signIn(ADMIN_TOKEN);
    const missing = await post("/subscriptions", { url: "https://example.com/hook", events: "*" }, cookie);
    expect(missing.status).toBe(403);
    expect(await missing.json()).toMatchObject({ success: false, code: "FORBIDDEN" });
    const made = await post("/subscriptions", { url: "https://example.com/hook", events: "dash.*", name: "csrf ok", csrf: await csrfOf(cookie) }, cookie);
    expect(made.status).toBe(200);
    expect(await made.text()).toMatch(/data-testid="secret-once">whsec_/);
  });

  it("pages follow the API's scopes: a token without `subscriptions` sees the API's refusal", async () => {
    const { key } = await createToken(["events"]);
    const { cookie } = await signIn(key);
    const res = await get("/subscriptions", cookie);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("lacks the &quot;subscriptions&quot; scope");
    const events = await get("/events", cookie);
    expect(events.status).toBe(200);
    expect(await events.text()).toContain('data-testid="events-table"');
  });

  it("shows an API validation error in the form instead of failing", async () => {
    const { cookie } = await signIn(ADMIN_TOKEN);
    const res = await post("/subscriptions", { url: "not a url", events: "*", csrf: await csrfOf(cookie) }, cookie);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('role="alert"');
  });

  it("sign-out ends the session: the same cookie no longer signs in", async () => {
    const { cookie } = await signIn(ADMIN_TOKEN);
    const out = await post("/sign-out", { csrf: await csrfOf(cookie) }, cookie);
    expect(out.status).toBe(303);
    expect(out.headers.get("Set-Cookie")).toMatch(/edgehook_session=;/);
    const again = await get("/subscriptions", cookie);
    expect(again.status).toBe(303);
  });

  it("serves its own scripts and styles; an unknown asset is a 404 envelope", async () => {
    for (const [name, type] of [["htmx.js", "text/javascript"], ["uplot.js", "text/javascript"], ["app.css", "text/css"]]) {
      const res = await get(`/assets/${name}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("Content-Type")).toContain(type!);
      expect((await res.text()).length).toBeGreaterThan(500);
    }
    const missing = await get("/assets/nope.js");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ success: false, code: "NOT_FOUND" });
  });
});

describe("dashboard tenants and portal links", () => {
  const tenantId = `dash-${Date.now().toString(36)}`;
  async function api(path: string, body?: unknown) {
    const init: RequestInit = { headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" } };
    if (body !== undefined) Object.assign(init, { method: "POST", body: JSON.stringify(body) });
    return (await exports.default.fetch(new Request(`https://gateway.test/webhooks/v2${path}`, init))).json() as Promise<any>;
  }

  it("a portal link signs in as the tenant, for no longer than the portal token lives", async () => {
    await api("/tenants", { id: tenantId, name: "Dash tenant" });
    const portal = (await api(`/tenants/${tenantId}/portal`, { expiresIn: 120 })).data;
    const res = await get(`?token=${portal.token}`);
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/webhooks/v2/dashboard");
    const setCookie = res.headers.get("Set-Cookie")!;
    expect(Number(/Max-Age=(\d+)/.exec(setCookie)![1])).toBeLessThanOrEqual(120);
    const cookie = setCookie.split(";")[0]!;
    const subs = await get("/subscriptions", cookie);
    expect(subs.status).toBe(200);
    expect(await subs.text()).toContain('data-testid="subscriptions-table"');
    const tenants = await (await get("/tenants", cookie)).text();
    expect(tenants).toContain('role="alert"');
    expect(tenants).not.toContain(`data-id="${tenantId}"`);
  });

  it("lists tenants for the admin; the portal link button shows a working url once", async () => {
    const { cookie } = await signIn(ADMIN_TOKEN);
    const page = await (await get("/tenants", cookie)).text();
    expect(page).toContain('data-testid="tenants-table"');
    expect(page).toContain(`data-id="${tenantId}"`);
    expect(page).toContain('data-id="default"');
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
    const issued = await post(`/tenants/${tenantId}/portal`, { csrf }, cookie);
    expect(issued.status).toBe(200);
    const url = /data-testid="portal-url-once">([^<]+)</.exec(await issued.text())![1]!;
    expect(url).toMatch(/^https:\/\/gateway\.test\/webhooks\/v2\/dashboard\?token=ehp_/);
    expect(await (await get("/tenants", cookie)).text()).not.toContain("portal-url-once");
    const signedIn = await exports.default.fetch(new Request(url.replace(/&amp;/g, "&"), { redirect: "manual" }));
    expect(signedIn.status).toBe(303);
  });

  it("a revoked portal link's session goes back to sign-in at its next page", async () => {
    const portal = (await api(`/tenants/${tenantId}/portal`, {})).data;
    const cookie = (await get(`?token=${portal.token}`)).headers.get("Set-Cookie")!.split(";")[0]!;
    expect((await get("/subscriptions", cookie)).status).toBe(200);
    await api(`/tenants/${tenantId}/portal/revoke`, {});
    const after = await get("/subscriptions", cookie);
    expect(after.status).toBe(303);
    expect(after.headers.get("Location")).toBe("/webhooks/v2/dashboard/sign-in");
    expect(after.headers.get("Set-Cookie")).toMatch(/edgehook_session=;/);
  });
});
