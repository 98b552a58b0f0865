/** The dashboard under /webhooks/v2/dashboard: server-rendered pages over the API, its assets, sign-in. */
import { Hono } from "hono";
import type { AppEnv } from "../http/context";
import { AppError } from "../http/errors";
import { type ApiFetch } from "./api-client";
import { ASSETS } from "./assets.gen";
import { requireSession, securityHeaders, type DashEnv } from "./context";
import { cataloguePage, inspectorsPage, rulesPage, sourcesPage, tokensPage } from "./admin";
import { deliveryPage, retryDelivery } from "./delivery";
import { eventLogPage, livePage, liveStream } from "./events";
import { overviewPage } from "./overview";
import { signIn, signInFromLink, signInPage, signOut } from "./sign-in";
import { issuePortalLink, tenantsPage } from "./tenants";
import { createSubscription, subscriptionAction, subscriptionPage, subscriptionsPage, updateSubscription } from "./subscriptions";

export type { ApiFetch } from "./api-client";

/** The dashboard's routes; `api` is the gateway app's own fetch, which every page calls. */
export function dashboardRoutes(api: ApiFetch) {
  const open = new Hono<AppEnv>();
  open.use("*", securityHeaders as never);
  open.get("/assets/:name", (c) => {
    const asset = ASSETS[c.req.param("name")];
    if (!asset) throw new AppError("NOT_FOUND", "No such dashboard asset");
    return c.body(asset.body, 200, { "Content-Type": `${asset.type}; charset=utf-8`, "Cache-Control": "public, max-age=3600" });
  });
  open.get("/sign-in", (c) => signInPage(c));
  open.post("/sign-in", (c) => signIn(c, api));
  // A portal link (`?token=ehp_…`) signs in before the session check; without `token` the overview follows.
  open.get("/", async (c, next) => {
    const token = c.req.query("token");
    if (token === undefined) return next();
    return signInFromLink(c, api, token);
  });

  const pages = new Hono<DashEnv>();
  pages.use("*", requireSession(api));
  pages.get("/", overviewPage);
  pages.post("/sign-out", signOut);
  pages.get("/subscriptions", (c) => subscriptionsPage(c));
  pages.post("/subscriptions", createSubscription);
  pages.get("/subscriptions/:id", (c) => subscriptionPage(c));
  pages.post("/subscriptions/:id", updateSubscription);
  pages.post("/subscriptions/:id/deliveries/:deliveryId/retry", retryDelivery);
  pages.get("/subscriptions/:id/deliveries/:deliveryId", (c) => deliveryPage(c));
  pages.post("/subscriptions/:id/:action", subscriptionAction);
  pages.get("/live", livePage);
  pages.get("/live/stream", (c) => liveStream(c, api));
  pages.get("/events", eventLogPage);
  pages.get("/catalogue", cataloguePage);
  pages.get("/rules", rulesPage);
  pages.get("/inspectors", inspectorsPage);
  pages.get("/sources", sourcesPage);
  pages.get("/tokens", tokensPage);
  pages.get("/tenants", (c) => tenantsPage(c));
  pages.post("/tenants/:id/portal", issuePortalLink);
  open.route("/", pages as never);
  return open;
}
