/** Isolate-local metrics accumulator (pure): records observations synchronously and hands out delta batches when due. */
import {
  bump,
  dict,
  emptyHistogram,
  emptySnapshot,
  isEmpty,
  mergeSnapshot,
  observe,
  TOP_SECTIONS,
  topEntries,
  type DeliveryOutcome,
  type MetricsSnapshot,
  type RateLimitLevel,
  type TopSection,
} from "./metrics-model";

/** Options for MetricsAccumulator. */
export interface MetricsAccumulatorOptions {
  now?: () => number;
  /** Most distinct keys per capped section in one batch; more keys are dropped (the DO keeps the top ones). */
  maxKeys?: number;
}

/** When a batch is due: at most every `intervalMs`, or as soon as `requests` requests are pending. */
export interface FlushPolicy {
  intervalMs: number;
  requests: number;
}

/** One request as the accumulator sees it. */
export interface RequestObservation {
  /** `METHOD /route/pattern`, never the raw path (bounded cardinality). */
  route: string;
  status: number;
  durationMs: number;
  tokenId?: string;
  sourceIp?: string;
}

/** Source addresses are counted only when they look like an IPv4/IPv6 literal (no free text as a label). */
const IP_SHAPE = /^[0-9A-Fa-f:.]{2,45}$/;

/** Accumulates observations between flushes; every call is O(1) and allocation-light. */
export class MetricsAccumulator {
  readonly #now: () => number;
  readonly #maxKeys: number;
  #pending: MetricsSnapshot = emptySnapshot();
  #pendingRequests = 0;
  /** Distinct keys per capped section in the pending batch (kept to avoid counting keys per request). */
  #sizes: Record<TopSection, number> = { tokens: 0, sourceIps: 0, rateLimitTokens: 0 };
  #windowStart: number | null = null;

  constructor(options: MetricsAccumulatorOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#maxKeys = options.maxKeys ?? 1000;
  }

  #touch(): void {
    this.#windowStart ??= this.#now();
  }

  #bumpCapped(section: TopSection, key: string, n = 1): void {
    const record = this.#pending[section];
    if (!Object.hasOwn(record, key)) {
      if (this.#sizes[section] >= this.#maxKeys) return;
      this.#sizes[section]++;
    }
    bump(record, key, n);
  }

  /** Records one finished request. */
  recordRequest(observation: RequestObservation): void {
    this.#touch();
    this.#pendingRequests++;
    const statuses = (this.#pending.requests[observation.route] ??= dict());
    observe((statuses[String(observation.status)] ??= emptyHistogram()), observation.durationMs);
    if (observation.tokenId) this.#bumpCapped("tokens", observation.tokenId);
    if (observation.sourceIp && IP_SHAPE.test(observation.sourceIp)) this.#bumpCapped("sourceIps", observation.sourceIp);
  }

  /** Records one request refused by a rate limit at `level` for `endpoint`. */
  recordRateLimitViolation(level: RateLimitLevel, tokenId: string | null, endpoint: string): void {
    this.#touch();
    bump((this.#pending.rateLimit[level] ??= dict()), endpoint);
    if (tokenId) this.#bumpCapped("rateLimitTokens", tokenId);
  }

  /** Records one delivery attempt's outcome and latency. */
  recordDelivery(outcome: DeliveryOutcome, latencyMs: number): void {
    this.#touch();
    bump(this.#pending.deliveries, outcome);
    observe(this.#pending.deliveryLatency, latencyMs);
  }

  /** Requests recorded since the last take(). */
  get pendingRequests(): number {
    return this.#pendingRequests;
  }

  /** True when something is pending and the batch is full or the interval has passed. */
  due(policy: FlushPolicy): boolean {
    if (this.#windowStart === null) return false;
    return this.#pendingRequests >= policy.requests || this.#now() - this.#windowStart >= policy.intervalMs;
  }

  /** Hands out the pending delta (null when empty) and starts a new window. */
  take(): MetricsSnapshot | null {
    const delta = this.#pending;
    this.#pending = emptySnapshot();
    this.#pendingRequests = 0;
    this.#sizes = { tokens: 0, sourceIps: 0, rateLimitTokens: 0 };
    this.#windowStart = null;
    return isEmpty(delta) ? null : delta;
  }

  /** Puts a delta back (a flush that failed), so its figures go out with the next batch. */
  restore(delta: MetricsSnapshot): void {
    this.#touch();
    mergeSnapshot(this.#pending, delta);
    for (const section of TOP_SECTIONS) {
      const kept = topEntries(this.#pending[section], this.#maxKeys);
      this.#pending[section] = Object.fromEntries(kept);
      this.#sizes[section] = kept.length;
    }
  }
}
