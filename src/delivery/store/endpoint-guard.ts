/** EndpointGuard Durable Object (one per subscription): circuit breaker window, delivery rate bucket and adaptive rate (consecutive failures are D1's). */
import { DurableObject } from "cloudflare:workers";
import { getConfig } from "../../config";
import { adapt, breakerOutcomes, effectiveRate, initialAdaptive, pauseMs, type AdaptiveState, type AttemptSignal } from "../core/adaptive-rate";
import { admit, initialHealth, record, resetHealth, type Admission, type HealthReport, type HealthSettings, type HealthState } from "../core/endpoint-health";

interface Stored {
  health: HealthState;
  /** Deliveries per second configured for this endpoint, or null for no limit. */
  ratePerSecond: number | null;
  /** Counts record() calls, so a caller can tell a newer report from an older one. */
  reports?: number;
  /** The adaptive rate (absent in state stored before it existed). */
  adaptive?: AdaptiveState;
}

/** The guard's state as stats show it. */
export interface GuardSnapshot {
  health: HealthState;
  ratePerSecond: number | null;
  /** The rate deliveries are held to now (null = unlimited). */
  currentRate: number | null;
  throttled: boolean;
}

/** The guard of one subscription (key: the subscription id). */
export class EndpointGuard extends DurableObject<Env> {
  private stored: Stored | null = null;

  private settings(): HealthSettings {
    return getConfig(this.env).delivery.breaker;
  }

  private async load(now: number): Promise<Stored> {
    this.stored ??= (await this.ctx.storage.get<Stored>("guard")) ?? { health: initialHealth(now), ratePerSecond: null };
    this.stored.adaptive ??= initialAdaptive();
    return this.stored;
  }

  private async save(): Promise<void> {
    await this.ctx.storage.put("guard", this.stored);
  }

  /** Sets the per-endpoint delivery rate (null = unlimited). */
  async configure(ratePerSecond: number | null): Promise<void> {
    const stored = await this.load(Date.now());
    stored.ratePerSecond = ratePerSecond;
    await this.save();
  }

  /** How many of `count` deliveries may go now, and how long the rest wait (a Retry-After pause holds all). */
  async admit(count: number): Promise<Admission> {
    const now = Date.now();
    const stored = await this.load(now);
    const paused = pauseMs(stored.adaptive!, now);
    if (paused > 0) return { admitted: 0, waitMs: paused, breaker: stored.health.breaker };
    const admission = admit(stored.health, count, effectiveRate(stored.adaptive!, stored.ratePerSecond), now, this.settings());
    await this.save();
    return admission;
  }

  /**
   * Records finished attempts (completion order): the breaker window, and the adaptive rate.
   * `admitFreely` tells the caller it may skip admit() for a moment: the breaker is closed and
   * there is no rate to enforce, configured or adaptive. `sequence` orders the reports (answers
   * to concurrent calls may arrive out of order).
   */
  async record(signals: AttemptSignal[]): Promise<HealthReport & { admitFreely: boolean; sequence: number }> {
    const now = Date.now();
    const stored = await this.load(now);
    const report = record(stored.health, breakerOutcomes(signals), now, this.settings());
    const adaptive = adapt(stored.adaptive!, signals, stored.ratePerSecond, now);
    stored.reports = (stored.reports ?? 0) + 1;
    const sequence = stored.reports;
    await this.save();
    return { ...report, admitFreely: report.breaker === "closed" && adaptive.rate === null && pauseMs(stored.adaptive!, now) === 0, sequence };
  }

  /** Closes the breaker (on resume). */
  async reset(): Promise<void> {
    const now = Date.now();
    resetHealth((await this.load(now)).health, now);
    await this.save();
  }

  /** The current state, for stats. */
  async snapshot(): Promise<GuardSnapshot> {
    const stored = await this.load(Date.now());
    return { health: stored.health, ratePerSecond: stored.ratePerSecond, currentRate: effectiveRate(stored.adaptive!, stored.ratePerSecond), throttled: stored.adaptive!.rate !== null };
  }
}

/** The guard stub of a subscription. */
export function endpointGuard(env: Env, subscriptionId: string): DurableObjectStub<EndpointGuard> {
  return env.ENDPOINT_GUARD.get(env.ENDPOINT_GUARD.idFromName(subscriptionId));
}
