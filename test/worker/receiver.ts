// Worker-side helpers for the Node receiver of test/worker/receiver-setup.ts.
import { inject } from "vitest";

/** The receiver's base URL (http://127.0.0.1:<port>). */
export const RECEIVER = inject("receiverUrl");

/** One request as the receiver recorded it. */
export interface Received {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** The requests recorded under a path prefix. */
export async function received(prefix: string): Promise<Received[]> {
  return (await (await fetch(`${RECEIVER}/__received?prefix=${encodeURIComponent(prefix)}`)).json()) as Received[];
}

/** Polls until `check` returns a value (not undefined) or 10 s pass. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}
