/** GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`; events named by `X-GitHub-Event`. */
import { compact, eventTypeSuffix, field, jsonObject, type SourceProvider } from "./provider";
import { header, matchHmac, mismatch, missing, refuse, VERIFIED } from "./signature";

const SIGNATURE_HEADER = "X-Hub-Signature-256";
const SIGNATURE = /^sha256=([0-9a-fA-F]{64})$/;

/** GitHub webhooks (repository, organisation and GitHub App hooks). */
export const github: SourceProvider = {
  name: "github",
  title: "GitHub",

  async verify(request, settings) {
    const value = header(request.headers, SIGNATURE_HEADER);
    if (!value) return missing(SIGNATURE_HEADER);
    const match = SIGNATURE.exec(value);
    if (!match) return refuse("malformed_signature", `${SIGNATURE_HEADER} must be "sha256=" followed by 64 hex digits`);
    const ok = await matchHmac({ keys: settings.secrets, message: request.body, candidates: [match[1]!], encoding: "hex" });
    return ok ? VERIFIED : mismatch(SIGNATURE_HEADER);
  },

  /**
   * The type is the `X-GitHub-Event` name alone (`github.pull_request`, `github.push`); the
   * payload's `action` stays in `data.action` and `metadata.action` for filters. `ping` (sent
   * when a hook is created) is a handshake. A hook set to `application/x-www-form-urlencoded`
   * sends `payload=<JSON>`; that JSON becomes the data.
   */
  interpret(headers, payload) {
    const event = header(headers, "X-GitHub-Event");
    if (event === "ping") return { kind: "handshake", name: "ping" };
    const data = (payload.format === "form" ? jsonObject(payload.data.payload) : null) ?? payload.data;
    return {
      kind: "event",
      data,
      type: eventTypeSuffix(event ?? undefined),
      deliveryId: header(headers, "X-GitHub-Delivery") ?? undefined,
      metadata: compact({
        deliveryId: header(headers, "X-GitHub-Delivery"),
        event,
        action: field(data, "action"),
        hookId: header(headers, "X-GitHub-Hook-ID"),
        hookInstallationTargetType: header(headers, "X-GitHub-Hook-Installation-Target-Type"),
        hookInstallationTargetId: header(headers, "X-GitHub-Hook-Installation-Target-ID"),
      }),
    };
  },
};
