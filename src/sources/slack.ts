/** Slack: `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:<ts>:body">` with `X-Slack-Request-Timestamp` inside the tolerance. */
import { compact, eventTypeSuffix, field, jsonObject, type Interpretation, type SourceProvider } from "./provider";
import { checkTimestamp, header, matchHmac, mismatch, missing, parseUnixSeconds, refuse, signedBytes } from "./signature";

const SIGNATURE_HEADER = "X-Slack-Signature";
const TIMESTAMP_HEADER = "X-Slack-Request-Timestamp";
const SIGNATURE = /^v0=([0-9a-fA-F]{64})$/;

function nested(value: unknown, key: string, inner: string): string | undefined {
  return value && typeof value === "object" ? field((value as Record<string, unknown>)[key], inner) : undefined;
}

/** Form posts: interactivity (`payload=<JSON>`), slash commands (`command=`), the `ssl_check` probe. */
function interpretForm(headers: Headers, fields: Record<string, unknown>): Interpretation {
  if (fields.ssl_check === "1") return { kind: "handshake", name: "ssl_check" };
  const retry = { retryNum: header(headers, "X-Slack-Retry-Num"), retryReason: header(headers, "X-Slack-Retry-Reason") };
  const interactive = jsonObject(fields.payload);
  if (interactive) {
    return {
      kind: "event",
      type: eventTypeSuffix(field(interactive, "type")),
      deliveryId: field(interactive, "trigger_id") ?? field(interactive, "action_ts"),
      data: { ...fields, payload: interactive },
      metadata: compact({ triggerId: field(interactive, "trigger_id"), teamId: nested(interactive, "team", "id"), userId: nested(interactive, "user", "id"), apiAppId: field(interactive, "api_app_id"), ...retry }),
      reply: "empty",
    };
  }
  const command = field(fields, "command");
  return {
    kind: "event",
    type: command ? "slash_command" : "webhook",
    deliveryId: field(fields, "trigger_id"),
    metadata: compact({ command, triggerId: field(fields, "trigger_id"), teamId: field(fields, "team_id"), userId: field(fields, "user_id"), channelId: field(fields, "channel_id"), ...retry }),
    reply: "empty",
  };
}

/** Slack apps: Events API (JSON), interactivity and slash commands (form-encoded). */
export const slack: SourceProvider = {
  name: "slack",
  title: "Slack",

  async verify(request, settings) {
    const value = header(request.headers, SIGNATURE_HEADER);
    if (!value) return missing(SIGNATURE_HEADER);
    const match = SIGNATURE.exec(value);
    if (!match) return refuse("malformed_signature", `${SIGNATURE_HEADER} must be "v0=" followed by 64 hex digits`);
    const timestamp = header(request.headers, TIMESTAMP_HEADER);
    if (timestamp === null) return refuse("missing_timestamp", `Missing ${TIMESTAMP_HEADER} header`);
    const seconds = parseUnixSeconds(timestamp);
    if (seconds === null) return refuse("malformed_timestamp", `${TIMESTAMP_HEADER} is not a unix timestamp`);
    const ok = await matchHmac({ keys: settings.secrets, message: signedBytes(`v0:${timestamp}:`, request.body), candidates: [match[1]!], encoding: "hex" });
    if (!ok) return mismatch(SIGNATURE_HEADER);
    return checkTimestamp(seconds, request.now, settings.toleranceSeconds);
  },

  /**
   * Events API: `slack.<payload.type>` (`slack.event_callback`, the inner `event.type` in metadata),
   * deduplicated by `event_id` (Slack's retries keep it); `url_verification` is answered with its
   * challenge. Form posts are acknowledged with an empty 200, as Slack expects.
   */
  interpret(headers, payload) {
    if (payload.format === "form") return interpretForm(headers, payload.data);
    const data = payload.data;
    const type = field(data, "type");
    const challenge = field(data, "challenge");
    if (type === "url_verification" && challenge) return { kind: "handshake", name: "url_verification", fields: { challenge } };
    return {
      kind: "event",
      type: eventTypeSuffix(type),
      deliveryId: field(data, "event_id"),
      metadata: compact({
        eventId: field(data, "event_id"),
        eventType: nested(data, "event", "type"),
        teamId: field(data, "team_id"),
        apiAppId: field(data, "api_app_id"),
        eventTime: typeof data.event_time === "number" ? data.event_time : undefined,
        retryNum: header(headers, "X-Slack-Retry-Num"),
        retryReason: header(headers, "X-Slack-Retry-Reason"),
      }),
    };
  },
};
