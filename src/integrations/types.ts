/** What an integration is: a ready destination (url, method, headers, auth) and body template with named params. */

/** Catalogue categories. */
export const INTEGRATION_CATEGORIES = ["chat", "incident", "automation", "messaging", "email", "work-tracking", "data", "webhook"] as const;
export type IntegrationCategory = (typeof INTEGRATION_CATEGORIES)[number];

/** One parameter a user fills in; `secret` ones are sealed or kept out of responses. */
export interface IntegrationParam {
  name: string;
  description: string;
  required: boolean;
  secret: boolean;
  /** Used when an optional param is not given. */
  default?: string;
}

/** How the request authenticates: the subscription auth it becomes (values are templates over `params`). */
export type IntegrationAuth =
  | { type: "bearer"; token: string }
  | { type: "basic"; username: string; password: string }
  | { type: "api-key"; header: string; key: string };

/** One integration. Strings of `url`, `headers`, `auth` hold `{{params.x}}`; `body` is a template over the event and `{{params.x}}`. */
export interface Integration {
  id: string;
  name: string;
  category: IntegrationCategory;
  description: string;
  /** The service's API documentation this request follows. */
  docs: string;
  params: IntegrationParam[];
  method: "POST" | "PUT" | "PATCH";
  url: string;
  headers?: Record<string, string>;
  auth?: IntegrationAuth;
  /** null: the plain wire event body. An object with the single key `$form` is sent form-encoded. */
  body: unknown;
  /** Param values for the catalogue's example (not real credentials). */
  example: Record<string, string>;
}

/** A required, non-secret param. */
export const param = (name: string, description: string, extra: Partial<IntegrationParam> = {}): IntegrationParam => ({ name, description, required: true, secret: false, ...extra });
/** A required secret param. */
export const secret = (name: string, description: string, extra: Partial<IntegrationParam> = {}): IntegrationParam => ({ name, description, required: true, secret: true, ...extra });
/** An optional param with a default. */
export const optional = (name: string, description: string, fallback: string): IntegrationParam => ({ name, description, required: false, secret: false, default: fallback });
/** The `webhookUrl` param of integrations that post to an incoming-webhook url (secret: the url is the credential). */
export const WEBHOOK_URL = (service: string): IntegrationParam => secret("webhookUrl", `The ${service} incoming-webhook url`);

/** One line about the event, used by chat and notification bodies. */
export const SUMMARY = "{{ default(title, event.type) }}";
/** The event's text: a notification's body, else the data as JSON. */
export const DETAILS = "{{ default(body, json(data)) }}";

/** An automation platform's catch hook: the plain wire event posted to `webhookUrl`. */
export function catchHook(options: Pick<Integration, "id" | "name" | "docs" | "example">): Integration {
  return {
    ...options,
    category: "automation",
    description: `Starts a ${options.name} workflow from its webhook trigger with the event (id, type, timestamp, data, metadata).`,
    params: [WEBHOOK_URL(options.name)],
    method: "POST",
    url: "{{params.webhookUrl}}",
    body: null,
  };
}
