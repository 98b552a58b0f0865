/** The typed edgehook API client (openapi-fetch over the generated schema), exported as `edgehook/client`. */
import createFetchClient, { type Client, type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema.js";

export type { components, paths };

/** The path prefix of every API route, below the gateway's origin. */
export const BASE_PATH = "/webhooks/v2";

/** Options of createClient. */
export interface ClientOptions {
  /** The gateway's origin, e.g. `http://127.0.0.1:8787` (a trailing `/webhooks/v2` is accepted). */
  url: string;
  /** API token, sent as `Authorization: Bearer <token>` (never in the url). */
  token?: string;
  /** A fetch implementation (default: the global fetch). */
  fetch?: typeof fetch;
  /** Sent as `User-Agent`. */
  userAgent?: string;
  /** Extra middleware (e.g. logging or recording which operations were called). */
  middleware?: Middleware[];
}

/** A client whose methods take the document's paths (`/webhooks/v2/...`) and are typed by them. */
export type EdgehookClient = Client<paths>;

/** The gateway's error envelope. */
export type ApiErrorBody = components["schemas"]["Error"];

/** The origin of a gateway url: scheme, host and port (any path such as `/webhooks/v2` is dropped). */
export function gatewayOrigin(url: string): string {
  return new URL(url).origin;
}

/** Creates a typed client for one gateway and token. */
export function createClient(options: ClientOptions): EdgehookClient {
  const client = createFetchClient<paths>({
    baseUrl: gatewayOrigin(options.url),
    fetch: options.fetch,
    headers: {
      ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
      ...(options.userAgent ? { "User-Agent": options.userAgent } : {}),
    },
  });
  for (const m of options.middleware ?? []) client.use(m);
  return client;
}

/** True when `body` is the gateway's error envelope. */
export function isApiError(body: unknown): body is ApiErrorBody {
  if (typeof body !== "object" || body === null) return false;
  const b = body as Record<string, unknown>;
  return b.success === false && typeof b.error === "string" && typeof b.code === "string";
}
