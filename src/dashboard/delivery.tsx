/** A delivery's page: its attempts (response status and body, error), the request body it sends, and retry. */
import type { DashContext } from "./context";
import { ActionButton, href, Layout, Notice, Time } from "./layout";
import { notFound } from "./subscriptions";

interface Attempt {
  attempt: number;
  statusCode: number | null;
  durationMs: number;
  responseBody: string | null;
  error: string | null;
  verdict: string;
  createdAt: string;
}

/** GET /subscriptions/:id/deliveries/:deliveryId. */
export async function deliveryPage(c: DashContext, notice?: { kind: "error" | "info"; text: string }) {
  const id = encodeURIComponent(c.req.param("id")!);
  const deliveryId = encodeURIComponent(c.req.param("deliveryId")!);
  const res = await c.var.api<any>(`/subscriptions/${id}/deliveries/${deliveryId}`);
  if (!res.ok) return notFound(c, res.error, res.status);
  const d = res.data;
  const event = await c.var.api<any>(`/events/${encodeURIComponent(d.eventId)}`);
  const csrf = c.var.session.csrf;
  const attempts: Attempt[] = d.attemptLog;
  return c.html(
    <Layout title={`Delivery ${d.id}`} current="/subscriptions" csrf={csrf}>
      {notice && <Notice kind={notice.kind}>{notice.text}</Notice>}
      <p>
        <a href={href(`/subscriptions/${d.subscriptionId}`)}>Back to the subscription</a>
      </p>
      <dl class="facts">
        <dt>Status</dt>
        <dd>
          <span class={`badge ${d.status}`} data-testid="delivery-status">
            {d.status}
          </span>
        </dd>
        <dt>Event</dt>
        <dd class="mono">{`${d.eventType} (${d.eventId})`}</dd>
        <dt>Next attempt</dt>
        <dd>
          <Time iso={d.nextAttemptAt} />
        </dd>
      </dl>
      <ActionButton action={href(`/subscriptions/${d.subscriptionId}/deliveries/${d.id}/retry`)} csrf={csrf} label="Retry now" testid="retry" />
      <h2>Request body</h2>
      <pre class="code" tabindex={0}>
        {event.ok ? JSON.stringify({ id: event.data.id, type: event.data.type, timestamp: event.data.timestamp, data: event.data.data, metadata: event.data.metadata }, null, 2) : event.error}
      </pre>
      <h2>Attempts</h2>
      <ol class="attempts" data-testid="attempts">
        {attempts.map((a) => (
          <li data-attempt={String(a.attempt)}>
            <p>
              Attempt {a.attempt} · <Time iso={a.createdAt} /> · {a.statusCode === null ? "no response" : `HTTP ${a.statusCode}`} · {a.durationMs} ms · {a.verdict}
            </p>
            {a.error && <p class="error-text">{a.error}</p>}
            {a.responseBody && (
              <pre class="code" tabindex={0}>
                {a.responseBody}
              </pre>
            )}
          </li>
        ))}
      </ol>
      {attempts.length === 0 && <p class="empty">No attempt yet.</p>}
    </Layout>,
  );
}

/** POST …/deliveries/:deliveryId/retry: delivers again now, then shows the delivery. */
export async function retryDelivery(c: DashContext) {
  const path = `/subscriptions/${encodeURIComponent(c.req.param("id")!)}/deliveries/${encodeURIComponent(c.req.param("deliveryId")!)}`;
  const res = await c.var.api<any>(`${path}/retry`, { method: "POST" });
  if (!res.ok) return deliveryPage(c, { kind: "error", text: res.error });
  return c.redirect(href(path), 303);
}
