/** Event pages: the live stream (EventSource through the dashboard), the event log with search, the catalogue. */
import { apiRequest, type ApiFetch } from "./api-client";
import type { DashContext } from "./context";
import { href, Layout, Notice, preview, Table, Time } from "./layout";
import { unnamedEvents } from "./sse-unnamed";

interface WireEvent {
  id: string;
  type: string;
  timestamp: string;
  data: unknown;
}

/** GET /live: the page; app.js connects to /live/stream and prepends each event. */
export function livePage(c: DashContext) {
  const filter = c.req.query("filter") ?? "";
  return c.html(
    <Layout title="Live events" current="/live" csrf={c.var.session.csrf}>
      <form method="get" action={href("/live")} class="row">
        <label for="filter">Filter (type prefixes, comma separated)</label>
        <input id="filter" name="filter" value={filter} />
        <button type="submit">Apply</button>
      </form>
      <p class="hint" data-live-status role="status">
        Connecting…
      </p>
      <ol class="live" data-testid="live-events" data-live={href(`/live/stream${filter ? `?filter=${encodeURIComponent(filter)}` : ""}`)} aria-live="polite"></ol>
      <noscript>
        <p>The live stream needs JavaScript; the <a href={href("/events")}>event log</a> works without it.</p>
      </noscript>
    </Layout>,
  );
}

/** GET /live/stream: the API's SSE stream for the signed-in caller (EventSource cannot send a bearer token). */
export async function liveStream(c: DashContext, api: ApiFetch) {
  const filter = c.req.query("filter");
  const headers: Record<string, string> = { Accept: "text/event-stream" };
  const last = c.req.header("Last-Event-ID");
  if (last) headers["Last-Event-ID"] = last;
  const path = `/events${filter ? `?filter=${encodeURIComponent(filter)}` : ""}`;
  const res = await api(apiRequest(c as never, c.var.session.token, path, { headers }), c.env, c.executionCtx);
  if (!res.ok || !res.body) return res;
  return new Response(res.body.pipeThrough(unnamedEvents()), { status: res.status, headers: res.headers });
}

/** GET /events: the stored events, newest first; `?type=` searches by type pattern, `?since=` limits the age. */
export async function eventLogPage(c: DashContext) {
  const type = c.req.query("type") ?? "";
  const since = c.req.query("since") ?? "";
  const cursor = c.req.query("cursor") ?? "";
  const query = new URLSearchParams({ limit: "50" });
  if (type) query.set("type", type);
  if (since) query.set("since", since);
  if (cursor) query.set("cursor", cursor);
  const res = await c.var.api<{ events: WireEvent[]; nextCursor: string | null }>(`/events?${query}`);
  const next = res.ok && res.data.nextCursor ? new URLSearchParams({ type, since, cursor: res.data.nextCursor }) : null;
  return c.html(
    <Layout title="Event log" current="/events" csrf={c.var.session.csrf}>
      <form method="get" action={href("/events")} class="row" role="search">
        <label for="type">Type</label>
        <input id="type" name="type" value={type} placeholder="task.*, notify.sent" />
        <label for="since">Since</label>
        <input id="since" name="since" value={since} placeholder="1h, 1d or ISO-8601" />
        <button type="submit">Search</button>
      </form>
      {!res.ok && <Notice kind="error">{res.error}</Notice>}
      <Table
        testid="events-table"
        caption="Events, newest first"
        rows={res.ok ? res.data.events : []}
        idOf={(e) => e.id}
        columns={[
          ["Id", (e) => <span class="mono">{e.id}</span>],
          ["Type", (e) => e.type],
          ["Time", (e) => <Time iso={e.timestamp} />],
          ["Data", (e) => <span class="mono">{preview(e.data)}</span>],
        ]}
      />
      {next && <a href={href(`/events?${next}`)}>Older events</a>}
    </Layout>,
    res.ok ? 200 : (res.status as 400),
  );
}
