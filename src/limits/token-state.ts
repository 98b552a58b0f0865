/** TokenState Durable Object: one token's rate-limit level, its idempotency records (24 h, expired by alarm) and its open-stream leases. */
import { DurableObject } from "cloudflare:workers";
import type { KeyLookup, StoredResponse } from "./idempotency";
import { IdempotencyStore } from "./idempotency-store";
import type { Admission, LevelReservation, LevelSpec, LevelView } from "./limiter";
import { LimitStore } from "./limit-store";
import type { LeaseAnswer } from "../stream/caps";
import { StreamLeaseStore } from "./stream-leases";

/** An idempotency key as the Worker hands it over: the key, the request's fingerprint, and who will own it. */
export interface KeyClaim {
  key: string;
  fingerprint: string;
  owner: string;
}

/** What `begin` answers: the key is taken by an earlier request, or the token level's admission. */
export type TokenBegin =
  | { kind: "key"; lookup: Exclude<KeyLookup, { kind: "new" }>; views: LevelView[] }
  | { kind: "admission"; admission: Admission };

/** One instance per token id (the admin secret uses `admin`). */
export class TokenState extends DurableObject<Env> {
  readonly #limits: LimitStore;
  readonly #keys: IdempotencyStore;
  readonly #streams: StreamLeaseStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#limits = new LimitStore(ctx.storage.sql);
    this.#keys = new IdempotencyStore(ctx.storage);
    this.#streams = new StreamLeaseStore(ctx.storage.sql);
    void ctx.blockConcurrencyWhile(() => this.#keys.init());
  }

  /** Liveness probe. */
  async ping(): Promise<"pong"> {
    return "pong";
  }

  /**
   * Looks the key up first: a repeat (replay, conflict, in flight) consumes nothing. Otherwise admits
   * at the token level and, when admitted, marks the key in flight for `claim.owner` — in one step.
   */
  begin(specs: LevelSpec[], claim: KeyClaim | null): TokenBegin {
    const now = Date.now();
    if (claim) {
      const lookup = this.#keys.lookup(claim.key, claim.fingerprint, now);
      if (lookup.kind !== "new") return { kind: "key", lookup, views: this.#limits.peek(specs, now) };
    }
    const admission = this.#limits.admit(specs, now);
    if (admission.allowed && claim) this.#keys.hold(claim.key, claim.fingerprint, claim.owner, now);
    return { kind: "admission", admission };
  }

  /** Undoes an admission another level refused: the token's count and the in-flight key. */
  release(specs: LevelSpec[], reservation: LevelReservation[] | null, claim: KeyClaim | null): void {
    if (reservation) this.#limits.release(specs, reservation, Date.now());
    if (claim) this.#keys.finish(claim.key, claim.owner, null);
  }

  /** Records the outcome of the request that owns the key (null frees the key); beyond `maxBytes` kept in all, it is not kept. */
  complete(claim: KeyClaim, response: StoredResponse | null, maxBytes = Number.POSITIVE_INFINITY): void {
    this.#keys.finish(claim.key, claim.owner, response, maxBytes);
  }

  /** Waits (bounded) for an in-flight key and returns what the duplicate gets then. */
  wait(claim: KeyClaim, timeoutMs: number): Promise<KeyLookup> {
    return this.#keys.wait(claim.key, claim.fingerprint, timeoutMs);
  }

  /** Writes the rate-limit levels to storage now instead of within FLUSH_MS (tests, maintenance). */
  flush(): void {
    this.#limits.flush();
  }

  /** The token level as it stands, admitting nothing. */
  peek(specs: LevelSpec[]): LevelView[] {
    return this.#limits.peek(specs, Date.now());
  }

  /** Takes a concurrent-stream slot for stream `id` (at most `max` live leases). */
  acquireStream(id: string, max: number, leaseMs: number): LeaseAnswer {
    return this.#streams.acquire(id, max, leaseMs, Date.now());
  }

  /** Renews an open stream's lease; false when it had already ended. */
  renewStream(id: string, leaseMs: number): boolean {
    return this.#streams.renew(id, leaseMs, Date.now());
  }

  /** Frees a closed stream's slot. */
  releaseStream(id: string): void {
    this.#streams.release(id);
  }

  /** Deletes expired idempotency records and schedules the next sweep. */
  override async alarm(): Promise<void> {
    this.#keys.sweep(Date.now());
  }
}
