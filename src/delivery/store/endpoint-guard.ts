/** EndpointGuard Durable Object (one per subscription): circuit breaker window and delivery rate bucket (consecutive failures are D1's). */
import { DurableObject } from "cloudflare:workers";
import { getConfig } from "../../config";
import { admit, initialHealth, record, resetHealth, type Admission, type HealthReport, type HealthSettings, type HealthState } from "../core/endpoint-health";

interface Stored {
  health: HealthState;
  /** Deliveries per second for this endpoint, or null for no limit. */
  ratePerSecond: number | null;
  /** Counts record() calls, so a caller can tell a newer report from an older one. */
  reports?: number;
}

/** The guard of one subscription (key: the subscription id). */
export class EndpointGuard extends DurableObject<Env> {
  private stored: Stored | null = null;

  private settings(): HealthSettings {
    return getConfig(this.env).delivery.breaker;
  }

  private async load(now: number): Promise<Stored> {
    this.stored ??= (await this.ctx.storage.get<Stored>("guard")) ?? { health: initialHealth(now), ratePerSecond: null };
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

  /** How many of `count` deliveries may go now, and how long the rest wait. */
  async admit(count: number): Promise<Admission> {
    const now = Date.now();
    const stored = await this.load(now);
    const admission = admit(stored.health, count, stored.ratePerSecond, now, this.settings());
    await this.save();
    return admission;
  }

  /**
   * Records attempt outcomes (true = success, completion order). `admitFreely` tells the caller
   * it may skip admit() for a moment: the breaker is closed and there is no rate to enforce.
   * `sequence` orders the reports (answers to concurrent calls may arrive out of order).
   */
  async record(outcomes: boolean[]): Promise<HealthReport & { admitFreely: boolean; sequence: number }> {
    const now = Date.now();
    const stored = await this.load(now);
    const report = record(stored.health, outcomes, now, this.settings());
    stored.reports = (stored.reports ?? 0) + 1;
    const sequence = stored.reports;
    await this.save();
    return { ...report, admitFreely: report.breaker === "closed" && stored.ratePerSecond === null, sequence };
  }

  /** Closes the breaker (on resume). */
  async reset(): Promise<void> {
    const now = Date.now();
    resetHealth((await this.load(now)).health, now);
    await this.save();
  }

  /** The current state, for stats. */
  async snapshot(): Promise<Stored> {
    return this.load(Date.now());
  }
}

/** The guard stub of a subscription. */
export function endpointGuard(env: Env, subscriptionId: string): DurableObjectStub<EndpointGuard> {
  return env.ENDPOINT_GUARD.get(env.ENDPOINT_GUARD.idFromName(subscriptionId));
}
