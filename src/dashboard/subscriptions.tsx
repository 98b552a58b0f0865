/** Subscription pages: list, create (plain url or from the integration catalogue), edit, actions, deliveries. */
import type { DashContext } from "./context";
import { ActionButton, CsrfField, href, Layout, Notice, Table, Time } from "./layout";

const DELIVERY_STATUSES = ["pending", "sending", "success", "failed", "retrying"] as const;

interface Sub {
  id: string;
  name: string | null;
  url: string;
  events: string[];
  status: string;
  createdAt: string;
}

interface Integration {
  id: string;
  name: string;
  params: { name: string; description: string; required: boolean; secret: boolean; default?: string }[];
}

/** Splits "a, b c" into event patterns. */
export function eventList(text: string | undefined): string[] {
  return (text ?? "").split(/[\s,]+/).filter(Boolean);
}

function CreateForm({ csrf, integrations, chosen }: { csrf: string; integrations: Integration[]; chosen: Integration | undefined }) {
  return (
    <section aria-labelledby="create-title" class="panel">
      <h2 id="create-title">New subscription</h2>
      <form method="get" action={href("/subscriptions")} class="row">
        <label for="integration">From the integration catalogue</label>
        <select id="integration" name="integration" data-testid="integration-select">
          <option value="">Plain url</option>
          {integrations.map((i) => (
            <option value={i.id} selected={chosen?.id === i.id}>
              {i.name}
            </option>
          ))}
        </select>
        <button type="submit">Choose</button>
      </form>
      <form method="post" action={href("/subscriptions")} data-testid="create-subscription">
        <CsrfField csrf={csrf} />
        {chosen && <input type="hidden" name="integration" value={chosen.id} />}
        <label for="name">Name</label>
        <input id="name" name="name" />
        {chosen ? (
          chosen.params.map((p) => (
            <>
              <label for={`param-${p.name}`}>{`${p.name}${p.required ? " (required)" : ""}: ${p.description}`}</label>
              <input id={`param-${p.name}`} name={`param.${p.name}`} type={p.secret ? "password" : "text"} required={p.required} value={p.default} />
            </>
          ))
        ) : (
          <>
            <label for="url">Url</label>
            <input id="url" name="url" type="url" required />
          </>
        )}
        <label for="events">Events (space or comma separated; * for all)</label>
        <input id="events" name="events" value="*" required />
        <button type="submit">Create</button>
      </form>
    </section>
  );
}

/** GET /subscriptions: the list and the create form (`?integration=` picks a catalogue entry). */
export async function subscriptionsPage(c: DashContext, notice?: { kind: "error" | "info"; text: string }, status = 200) {
  const [list, catalogue] = await Promise.all([c.var.api<{ items: Sub[] }>("/subscriptions?limit=100"), c.var.api<{ items: Integration[] }>("/integrations")]);
  const integrations = catalogue.ok ? catalogue.data.items : [];
  const chosen = integrations.find((i) => i.id === (c.req.query("integration") ?? c.var.form?.integration));
  return c.html(
    <Layout title="Subscriptions" current="/subscriptions" csrf={c.var.session.csrf}>
      {notice && <Notice kind={notice.kind}>{notice.text}</Notice>}
      {!list.ok && <Notice kind="error">{list.error}</Notice>}
      <Table
        testid="subscriptions-table"
        caption="Subscriptions"
        rows={list.ok ? list.data.items : []}
        idOf={(s) => s.id}
        columns={[
          ["Name", (s) => <a href={href(`/subscriptions/${s.id}`)}>{s.name || s.id}</a>],
          ["Destination", (s) => <span class="mono">{s.url}</span>],
          ["Events", (s) => s.events.join(", ")],
          ["Status", (s) => <span class={`badge ${s.status}`}>{s.status}</span>],
          ["Created", (s) => <Time iso={s.createdAt} />],
        ]}
      />
      <CreateForm csrf={c.var.session.csrf} integrations={integrations} chosen={chosen} />
    </Layout>,
    status as 200,
  );
}

/** POST /subscriptions: creates through the API and shows the secret once. */
export async function createSubscription(c: DashContext) {
  const f = c.var.form;
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(f)) if (k.startsWith("param.") && v !== "") params[k.slice(6)] = v;
  const body: Record<string, unknown> = { events: eventList(f.events) };
  if (f.name) body.name = f.name;
  if (f.integration) body.integration = { id: f.integration, params };
  else body.url = f.url;
  const res = await c.var.api<Sub & { secret: string }>("/subscriptions", { body });
  if (!res.ok) return subscriptionsPage(c, { kind: "error", text: res.error }, res.status);
  return secretPage(c, res.data.id, res.data.secret, "Subscription created");
}

/** A page showing a signing secret; it is never shown again. */
export function secretPage(c: DashContext, id: string, secret: string, title: string) {
  return c.html(
    <Layout title={title} current="/subscriptions" csrf={c.var.session.csrf}>
      <Notice kind="info">Copy the signing secret now: it is shown only this once.</Notice>
      <p>
        <code class="secret" data-testid="secret-once">
          {secret}
        </code>
      </p>
      <p>
        <a href={href(`/subscriptions/${id}`)}>Go to the subscription</a>
      </p>
    </Layout>,
  );
}

/** GET /subscriptions/:id: details, edit form, actions and deliveries (`?status=` filters). */
export async function subscriptionPage(c: DashContext, notice?: { kind: "error" | "info"; text: string }) {
  const id = c.req.param("id")!;
  const status = c.req.query("status");
  const filter = status && (DELIVERY_STATUSES as readonly string[]).includes(status) ? `&status=${status}` : "";
  const [sub, deliveries] = await Promise.all([c.var.api<Sub>(`/subscriptions/${encodeURIComponent(id)}`), c.var.api<{ items: any[] }>(`/subscriptions/${encodeURIComponent(id)}/deliveries?limit=100${filter}`)]);
  if (!sub.ok) return notFound(c, sub.error, sub.status);
  const s = sub.data;
  const csrf = c.var.session.csrf;
  const base = href(`/subscriptions/${s.id}`);
  return c.html(
    <Layout title={s.name || s.id} current="/subscriptions" csrf={csrf}>
      {notice && <Notice kind={notice.kind}>{notice.text}</Notice>}
      <p>
        Status: <span class={`badge ${s.status}`} data-testid="subscription-status">{s.status}</span> · <span class="mono">{s.url}</span>
      </p>
      <div class="actions">
        {s.status === "active" ? (
          <ActionButton action={`${base}/pause`} csrf={csrf} label="Pause" testid="pause" />
        ) : (
          <ActionButton action={`${base}/resume`} csrf={csrf} label="Resume" testid="resume" />
        )}
        <ActionButton action={`${base}/test`} csrf={csrf} label="Send test" testid="send-test" />
        <ActionButton action={`${base}/rotate-secret`} csrf={csrf} label="Rotate secret" testid="rotate-secret" />
        <ActionButton action={`${base}/delete`} csrf={csrf} label="Delete" testid="delete" danger confirm="Delete this subscription and its delivery history?" />
      </div>
      <details class="panel">
        <summary>Edit</summary>
        <form method="post" action={base}>
          <CsrfField csrf={csrf} />
          <label for="name">Name</label>
          <input id="name" name="name" value={s.name ?? ""} />
          <label for="url">Url</label>
          <input id="url" name="url" type="url" value={s.url} />
          <label for="events">Events</label>
          <input id="events" name="events" value={s.events.join(", ")} />
          <button type="submit">Save</button>
        </form>
      </details>
      <h2>Deliveries</h2>
      <form method="get" action={base} class="row">
        <label for="status">Status</label>
        <select id="status" name="status">
          <option value="">All</option>
          {DELIVERY_STATUSES.map((st) => (
            <option value={st} selected={st === status}>
              {st}
            </option>
          ))}
        </select>
        <button type="submit">Filter</button>
      </form>
      {!deliveries.ok && <Notice kind="error">{deliveries.error}</Notice>}
      <Table
        testid="deliveries-table"
        caption="Deliveries, newest first"
        rows={deliveries.ok ? deliveries.data.items : []}
        idOf={(d) => d.id}
        columns={[
          ["Delivery", (d) => <a href={`${base}/deliveries/${d.id}`}>{d.id}</a>],
          ["Event", (d) => <span class="mono">{d.eventType}</span>],
          ["Status", (d) => <span class={`badge ${d.status}`}>{d.status}</span>],
          ["Attempts", (d) => String(d.attempts)],
          ["Last code", (d) => (d.lastStatusCode === null ? "—" : String(d.lastStatusCode))],
          ["Created", (d) => <Time iso={d.createdAt} />],
        ]}
      />
    </Layout>,
  );
}

/** An error page carrying the API's status. */
export function notFound(c: DashContext, error: string, status: number) {
  return c.html(
    <Layout title="Not available" csrf={c.var.session.csrf}>
      <Notice kind="error">{error}</Notice>
    </Layout>,
    status as 404,
  );
}

/** POST /subscriptions/:id: saves name, url and events (PATCH). */
export async function updateSubscription(c: DashContext) {
  const f = c.var.form;
  const body: Record<string, unknown> = { events: eventList(f.events) };
  if (f.name !== undefined) body.name = f.name;
  if (f.url) body.url = f.url;
  const res = await c.var.api(`/subscriptions/${encodeURIComponent(c.req.param("id")!)}`, { method: "PATCH", body });
  if (!res.ok) return subscriptionPage(c, { kind: "error", text: res.error });
  return c.redirect(href(`/subscriptions/${c.req.param("id")}`), 303);
}

/** POST /subscriptions/:id/(pause|resume|test|rotate-secret|delete). */
export async function subscriptionAction(c: DashContext) {
  const id = encodeURIComponent(c.req.param("id")!);
  const action = c.req.param("action");
  if (action === "delete") {
    const res = await c.var.api(`/subscriptions/${id}`, { method: "DELETE" });
    if (!res.ok) return subscriptionPage(c, { kind: "error", text: res.error });
    return c.redirect(href("/subscriptions"), 303);
  }
  if (!["pause", "resume", "test", "rotate-secret"].includes(action!)) return notFound(c, "Unknown action", 404);
  const res = await c.var.api<any>(`/subscriptions/${id}/${action}`, { method: "POST" });
  if (!res.ok) return subscriptionPage(c, { kind: "error", text: res.error });
  if (action === "rotate-secret") return secretPage(c, res.data.id, res.data.secret, "Secret rotated");
  if (action === "test") return subscriptionPage(c, { kind: "info", text: `Test delivery ${res.data.deliveryId}: ${res.data.status}` });
  return c.redirect(href(`/subscriptions/${c.req.param("id")}`), 303);
}
