// Gateway calls shared by the delivery e2e tests.

/** A small JSON client for the gateway. */
export function gatewayClient(baseUrl: string, token: string) {
  return async function api(path: string, init: { method?: string; body?: unknown } = {}) {
    const res = await fetch(`${baseUrl}/webhooks/v2${path}`, {
      method: init.method ?? (init.body === undefined ? "GET" : "POST"),
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const json = (await res.json()) as any;
    return { status: res.status, json };
  };
}

/** Polls `check` until it returns a value (not undefined) or the deadline passes. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}
