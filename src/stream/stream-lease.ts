/** The Worker's side of the concurrent-stream cap: take a slot in the token's TokenState, hold it while the stream is open, free it on close. */
import { AppError } from "../http/errors";
import { randomToken } from "../lib/crypto";
import { STREAM_LEASE_MS } from "./caps";

/** Options for holdStreamSlot. */
export interface StreamSlotOptions {
  tokenId: string;
  /** Concurrent streams allowed for the token (0 = no cap). */
  max: number;
}

/**
 * Takes a slot, or throws 429 RATE_LIMITED (details: the limit and how many are open). The
 * returned `hold(body)` pipes the hub's stream through a native pipe, renews the lease every
 * third of its length while bytes can still flow, and frees the slot when the stream ends or the
 * client goes; `waitUntil` keeps that bookkeeping alive.
 */
export async function takeStreamSlot(env: Env, options: StreamSlotOptions) {
  const token = env.TOKEN_STATE.getByName(options.tokenId);
  const id = randomToken(12);
  const answer = await token.acquireStream(id, options.max, STREAM_LEASE_MS);
  if (!answer.ok) {
    throw new AppError("RATE_LIMITED", `At most ${options.max} concurrent event streams per token; close one first`, {
      retryAfter: answer.retryAfterSeconds,
      details: { level: "streams", limit: options.max, active: answer.active },
    });
  }
  const release = () => token.releaseStream(id).catch(() => undefined);
  return {
    release,
    hold(body: ReadableStream, waitUntil: (p: Promise<unknown>) => void): ReadableStream {
      const { readable, writable } = new IdentityTransformStream();
      const renew = setInterval(() => void token.renewStream(id, STREAM_LEASE_MS).catch(() => undefined), STREAM_LEASE_MS / 3);
      const piped = body.pipeTo(writable).catch(() => undefined);
      waitUntil(piped.finally(() => {
        clearInterval(renew);
        return release();
      }));
      return readable;
    },
  };
}
