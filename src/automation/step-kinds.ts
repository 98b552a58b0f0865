/** What the I/O step kinds do once rendered: http (signed, destination-guarded), publish, notify. */
import { attemptHeaders } from "../delivery/destinations/http-attempt";
import { checkDestination } from "../delivery/destinations/url-guard";
import { splitAuth } from "../delivery/subscriptions";
import { EVENT_TYPE } from "../delivery/core/match";
import { customEventType } from "../events/types";
import type { PublishInput } from "../publish";
import type { BackgroundContext } from "../publish";
import type { NotificationInput, NotificationSender } from "../actions/notify";
import { DEPTH_KEY, MAX_DEPTH, type HttpStep, type NotifyStep, type PublishStep } from "./model";

/** An http step's response body is kept (and parsed when JSON) up to this many bytes. */
export const HTTP_BODY_LIMIT = 65_536;
/** The timeout of an http step's request when the step sets none. */
export const DEFAULT_HTTP_TIMEOUT_MS = 30_000;

/** Side effects the Worker entry passes in (the engine never imports upward). */
export interface AutomationEffects {
  /** publishAll: `options.statements` commit in the same D1 batch as the events. */
  publish(env: Env, ctx: BackgroundContext, inputs: PublishInput[], options?: { statements?: D1PreparedStatement[] }): Promise<{ id: string }[]>;
  notify(env: Env, ctx: BackgroundContext, input: NotificationInput, sender: NotificationSender): Promise<unknown>;
}

/** A failure no retry can fix (refused destination, depth exceeded): the step fails at once. */
export class PermanentStepError extends Error {
  override name = "PermanentStepError";
}

/** Where an http step's request comes from: the run, for the signature's id and headers. */
export interface HttpContext {
  runId: string;
  eventType: string;
  attempt: number;
  secret: string;
  allowPrivate: boolean;
}

/** True when a status is one of `expect` (numbers or "2xx"-style classes); default 2xx. */
export function statusExpected(status: number, expect: readonly (number | string)[] = ["2xx"]): boolean {
  return expect.some((e) => (typeof e === "number" ? e === status : Math.floor(status / 100) === Number(e[0])));
}

async function readLimited(response: Response): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < HTTP_BODY_LIMIT) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.byteLength;
  }
  return new TextDecoder().decode(all.slice(0, HTTP_BODY_LIMIT));
}

/** Sends a rendered http step, signed and guarded like a delivery. Throws when the status is not expected. */
export async function runHttp(step: HttpStep, run: HttpContext): Promise<{ status: number; headers: Record<string, string>; body: unknown }> {
  const verdict = checkDestination(step.url, { allowPrivate: run.allowPrivate });
  if (!verdict.ok) throw new PermanentStepError(`destination refused: ${verdict.reason}`);
  const method = step.method ?? "POST";
  const body = method === "GET" || method === "DELETE" ? (step.body === undefined ? "" : JSON.stringify(step.body)) : JSON.stringify(step.body ?? {});
  const { info, secret } = splitAuth(step.auth);
  const headers = await attemptHeaders(
    { url: verdict.url.toString(), method, eventId: `${run.runId}.${step.id}`, eventType: run.eventType, body, attempt: run.attempt, secrets: [run.secret], headers: step.headers ?? {}, auth: info, authSecret: secret, timeoutMs: step.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS },
    Date.now(),
  );
  const response = await fetch(verdict.url, { method, headers, body: body === "" ? undefined : body, redirect: "manual", signal: AbortSignal.timeout(step.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS) });
  const text = await readLimited(response);
  let parsed: unknown = text;
  if ((response.headers.get("Content-Type") ?? "").includes("json")) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  const output = { status: response.status, headers: Object.fromEntries(response.headers), body: parsed };
  if (!statusExpected(response.status, step.expect)) throw new Error(`unexpected status ${response.status} from ${verdict.url.origin}${verdict.url.pathname}`);
  return output;
}

/** Publishes a rendered publish step's event one level deeper; refuses past MAX_DEPTH. */
export async function runPublish(env: Env, ctx: BackgroundContext, effects: AutomationEffects, step: PublishStep, run: { runId: string; ruleId: string; depth: number; tenantId: string }): Promise<{ eventId: string; depth: number }> {
  const depth = run.depth + 1;
  if (depth > MAX_DEPTH) throw new PermanentStepError(`publish refused: depth ${depth} exceeds ${MAX_DEPTH} (a chain of runs publishing events)`);
  if (typeof step.type !== "string" || !EVENT_TYPE.test(step.type)) throw new PermanentStepError(`publish refused: "${String(step.type)}" is not an event type`);
  const data = step.data !== null && typeof step.data === "object" && !Array.isArray(step.data) ? (step.data as Record<string, unknown>) : { value: step.data };
  const [event] = await effects.publish(env, ctx, [{ tenantId: run.tenantId, type: customEventType(step.type), data, metadata: { [DEPTH_KEY]: depth, runId: run.runId, ruleId: run.ruleId } }]);
  return { eventId: event!.id, depth };
}

/** Sends a rendered notify step through the notify path (as POST /notify). */
export async function runNotify(env: Env, ctx: BackgroundContext, effects: AutomationEffects, step: NotifyStep, run: { runId: string; ruleId: string; tenantId: string }): Promise<unknown> {
  return effects.notify(env, ctx, { channels: step.channels, title: step.title, body: step.body, priority: step.priority ?? "P2" }, { tokenId: `rule:${run.ruleId}`, tenantId: run.tenantId, metadata: { runId: run.runId, ruleId: run.ruleId } });
}
