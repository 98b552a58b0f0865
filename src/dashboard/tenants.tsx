/** The tenants page (the ADMIN_TOKEN's): every tenant, and a portal link button per row whose url is shown once. */
import type { DashContext } from "./context";
import { ActionButton, href, Layout, Notice, Table, Time } from "./layout";

interface TenantRow {
  id: string;
  name: string;
  rateLimit: number | null;
  createdAt: string;
}

/** A portal link just issued: shown on this one response only. */
interface IssuedLink {
  tenantId: string;
  url: string;
  expiresAt: string;
}

/** GET /tenants: the tenants (the API answers 403 to anyone but the ADMIN_TOKEN, shown as its error). */
export async function tenantsPage(c: DashContext, issued?: IssuedLink, error?: string, status = 200) {
  const res = await c.var.api<{ items: TenantRow[] }>("/tenants?limit=100");
  const csrf = c.var.session.csrf;
  return c.html(
    <Layout title="Tenants" current="/tenants" csrf={csrf}>
      {error && <Notice kind="error">{error}</Notice>}
      {!res.ok && <Notice kind="error">{res.error}</Notice>}
      {issued && (
        <>
          <Notice kind="info">
            Portal link for {issued.tenantId}, valid until <Time iso={issued.expiresAt} />. Copy it now: it is shown only this once. Whoever opens it signs
            in as that tenant.
          </Notice>
          <p>
            <code class="secret" data-testid="portal-url-once">
              {issued.url}
            </code>
          </p>
        </>
      )}
      <Table
        testid="tenants-table"
        caption="Tenants"
        rows={res.ok ? res.data.items : []}
        idOf={(t) => t.id}
        columns={[
          ["Id", (t) => <span class="mono">{t.id}</span>],
          ["Name", (t) => t.name],
          ["Rate limit", (t) => (t.rateLimit === null ? "—" : `${t.rateLimit}/h`)],
          ["Created", (t) => <Time iso={t.createdAt} />],
          ["Portal", (t) => <ActionButton action={href(`/tenants/${encodeURIComponent(t.id)}/portal`)} csrf={csrf} label="Portal link" testid="portal-link" />],
        ]}
      />
    </Layout>,
    status as 200,
  );
}

/** POST /tenants/:id/portal: issues a portal token through the API and shows its sign-in url once. */
export async function issuePortalLink(c: DashContext) {
  const id = c.req.param("id")!;
  const res = await c.var.api<{ token: string; url: string; expiresAt: string }>(`/tenants/${encodeURIComponent(id)}/portal`, { body: {} });
  if (!res.ok) return tenantsPage(c, undefined, res.error, res.status);
  return tenantsPage(c, { tenantId: id, url: new URL(res.data.url, c.req.url).href, expiresAt: res.data.expiresAt });
}
