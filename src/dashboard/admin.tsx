/** Pages over the other resources: rules and runs, inspectors, sources, tokens (and tenants once they exist). */
import type { DashContext } from "./context";
import { Layout, Notice, Table, Time } from "./layout";

type Row = Record<string, any>;

/** GET /rules: rules and their recent runs. */
export async function rulesPage(c: DashContext) {
  const [rules, runs] = await Promise.all([c.var.api<{ items: Row[] }>("/rules?limit=100"), c.var.api<{ items: Row[] }>("/runs?limit=50")]);
  return c.html(
    <Layout title="Rules and runs" current="/rules" csrf={c.var.session.csrf}>
      {!rules.ok && <Notice kind="error">{rules.error}</Notice>}
      <Table
        testid="rules-table"
        caption="Rules"
        rows={rules.ok ? rules.data.items : []}
        idOf={(r) => r.id}
        columns={[
          ["Name", (r) => r.name],
          ["Trigger", (r) => <span class="mono">{JSON.stringify(r.trigger)}</span>],
          ["Enabled", (r) => (r.enabled ? "yes" : "no")],
          ["Created", (r) => <Time iso={r.createdAt} />],
        ]}
      />
      <h2>Runs</h2>
      {!runs.ok && <Notice kind="error">{runs.error}</Notice>}
      <Table
        testid="runs-table"
        caption="Runs, newest first"
        rows={runs.ok ? runs.data.items : []}
        idOf={(r) => r.id}
        columns={[
          ["Run", (r) => <span class="mono">{r.id}</span>],
          ["Rule", (r) => <span class="mono">{r.ruleId}</span>],
          ["Status", (r) => <span class={`badge ${r.status}`}>{r.status}</span>],
          ["Started", (r) => <Time iso={r.startedAt} />],
          ["Error", (r) => r.error ?? "—"],
        ]}
      />
    </Layout>,
  );
}

/** GET /inspectors: request bins and their capture urls. */
export async function inspectorsPage(c: DashContext) {
  const res = await c.var.api<{ items: Row[] }>("/inspectors");
  return c.html(
    <Layout title="Inspectors" current="/inspectors" csrf={c.var.session.csrf}>
      {!res.ok && <Notice kind="error">{res.error}</Notice>}
      <Table
        testid="inspectors-table"
        caption="Inspectors"
        rows={res.ok ? res.data.items : []}
        idOf={(r) => r.id}
        columns={[
          ["Name", (r) => r.name ?? r.id],
          ["Capture url", (r) => <span class="mono">{r.url}</span>],
          ["Created", (r) => <Time iso={r.createdAt} />],
        ]}
      />
    </Layout>,
  );
}

/** GET /sources: inbound providers and whether they are configured. */
export async function sourcesPage(c: DashContext) {
  const res = await c.var.api<{ items: Row[] }>("/sources");
  return c.html(
    <Layout title="Sources" current="/sources" csrf={c.var.session.csrf}>
      {!res.ok && <Notice kind="error">{res.error}</Notice>}
      <Table
        testid="sources-table"
        caption="Inbound sources"
        rows={res.ok ? res.data.items : []}
        idOf={(r) => r.provider}
        columns={[
          ["Provider", (r) => r.title ?? r.provider],
          ["Url", (r) => <span class="mono">{r.url}</span>],
          ["Configured", (r) => (r.configured ? "yes" : "no")],
          ["Enabled", (r) => (r.enabled ? "yes" : "no")],
        ]}
      />
    </Layout>,
  );
}

/** GET /tokens: API tokens (the API answers 403 to callers without the tokens scope). */
export async function tokensPage(c: DashContext) {
  const res = await c.var.api<{ items: Row[] }>("/tokens?limit=100");
  return c.html(
    <Layout title="Tokens" current="/tokens" csrf={c.var.session.csrf}>
      {!res.ok && <Notice kind="error">{res.error}</Notice>}
      <Table
        testid="tokens-table"
        caption="API tokens"
        rows={res.ok ? res.data.items : []}
        idOf={(r) => r.id}
        columns={[
          ["Name", (r) => r.name],
          ["Type", (r) => r.type],
          ["Scopes", (r) => r.endpoints.join(", ")],
          ["Key", (r) => <span class="mono">{`${r.keyPrefix}…`}</span>],
          ["Active", (r) => (r.active ? "yes" : "no")],
          ["Created", (r) => <Time iso={r.createdAt} />],
        ]}
      />
      <p class="hint">Tenants and portal links appear here once the gateway has tenants (issue 13).</p>
    </Layout>,
  );
}
