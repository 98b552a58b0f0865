/** Pages over the other resources: rules and runs, inspectors, sources, tokens (tenants are in tenants.tsx). */
import type { Child } from "hono/jsx";
import type { DashContext } from "./context";
import { href, Layout, Notice, preview, Table, Time, type TableOptions } from "./layout";

type Row = Record<string, any>;

/** One API list shown as a table (`data-testid`, row ids and columns as in TableOptions). */
export interface ListSection {
  /** API path returning `{items}`. */
  path: string;
  heading?: string;
  table: Omit<TableOptions<Row>, "rows">;
}

/** A page of one or more API lists, each with the API's error in place of its rows when refused. */
export async function listPage(c: DashContext, title: string, current: string, sections: ListSection[], footer?: Child) {
  const results = await Promise.all(sections.map((s) => c.var.api<{ items: Row[] }>(s.path)));
  return c.html(
    <Layout title={title} current={current} csrf={c.var.session.csrf}>
      {sections.map((s, i) => {
        const res = results[i]!;
        return (
          <>
            {s.heading && <h2>{s.heading}</h2>}
            {!res.ok && <Notice kind="error">{res.error}</Notice>}
            <Table {...s.table} rows={res.ok ? res.data.items : []} />
          </>
        );
      })}
      {footer}
    </Layout>,
  );
}

const mono = (v: unknown) => <span class="mono">{typeof v === "string" ? v : JSON.stringify(v)}</span>;
const yesNo = (v: unknown) => (v ? "yes" : "no");
const byId = (r: Row) => String(r.id);

/** GET /rules: rules and their recent runs. */
export function rulesPage(c: DashContext) {
  return listPage(c, "Rules and runs", "/rules", [
    {
      path: "/rules?limit=100",
      table: {
        testid: "rules-table",
        caption: "Rules",
        idOf: byId,
        columns: [
          ["Name", (r) => r.name],
          ["Trigger", (r) => mono(r.trigger)],
          ["Enabled", (r) => yesNo(r.enabled)],
          ["Created", (r) => <Time iso={r.createdAt} />],
        ],
      },
    },
    {
      path: "/runs?limit=50",
      heading: "Runs",
      table: {
        testid: "runs-table",
        caption: "Runs, newest first",
        idOf: byId,
        columns: [
          ["Run", (r) => mono(r.id)],
          ["Rule", (r) => mono(r.ruleId)],
          ["Status", (r) => <span class={`badge ${r.status}`}>{r.status}</span>],
          ["Started", (r) => <Time iso={r.startedAt} />],
          ["Error", (r) => r.error ?? "—"],
        ],
      },
    },
  ]);
}

/** GET /inspectors: request bins and their capture urls. */
export function inspectorsPage(c: DashContext) {
  return listPage(c, "Inspectors", "/inspectors", [
    {
      path: "/inspectors",
      table: {
        testid: "inspectors-table",
        caption: "Inspectors",
        idOf: byId,
        columns: [
          ["Name", (r) => r.name ?? r.id],
          ["Capture url", (r) => mono(r.url)],
          ["Created", (r) => <Time iso={r.createdAt} />],
        ],
      },
    },
  ]);
}

/** GET /sources: the tenant's inbound sources (each at /sources/<provider>/<id>). */
export function sourcesPage(c: DashContext) {
  return listPage(c, "Sources", "/sources", [
    {
      path: "/sources?limit=100",
      table: {
        testid: "sources-table",
        caption: "Inbound sources",
        idOf: byId,
        columns: [
          ["Provider", (r) => r.provider],
          ["Name", (r) => r.name ?? ""],
          ["Url", (r) => mono(r.url)],
          ["Enabled", (r) => yesNo(r.enabled)],
          ["Secrets", (r) => String(r.secretCount)],
        ],
      },
    },
  ]);
}

/** GET /tokens: API tokens (the API answers 403 to callers without the tokens scope). */
export function tokensPage(c: DashContext) {
  return listPage(
    c,
    "Tokens",
    "/tokens",
    [
      {
        path: "/tokens?limit=100",
        table: {
          testid: "tokens-table",
          caption: "API tokens",
          idOf: byId,
          columns: [
            ["Name", (r) => r.name],
            ["Type", (r) => r.type],
            ["Scopes", (r) => r.endpoints.join(", ")],
            ["Key", (r) => mono(`${r.keyPrefix}…`)],
            ["Active", (r) => yesNo(r.active)],
            ["Created", (r) => <Time iso={r.createdAt} />],
          ],
        },
      },
    ],
    <p class="hint">
      Tenants and their portal links are on the <a href={href("/tenants")}>Tenants</a> page (ADMIN_TOKEN only).
    </p>,
  );
}

/** GET /catalogue: the event types with a description and an example. */
export function cataloguePage(c: DashContext) {
  return listPage(c, "Event catalogue", "/catalogue", [
    {
      path: "/event-types",
      table: {
        testid: "catalogue-table",
        caption: "Event types",
        idOf: (t) => String(t.type),
        columns: [
          ["Type", (t) => mono(t.type)],
          ["Description", (t) => t.description],
          ["Example", (t) => <span class="mono">{preview(t.example)}</span>],
        ],
      },
    },
  ]);
}
