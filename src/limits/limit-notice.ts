/** api.limit.exceeded: published at most once per token, level and window (a D1 row decides, in the publishing batch). */
import type { BackgroundContext } from "../publish";
import { publish } from "../publish";
import type { LevelView } from "./limiter";

const WINDOW_SECONDS: Record<string, number> = { hour: 3600, day: 86_400 };

/** Options for announceLimit. */
export interface LimitNoticeOptions {
  tokenId: string | null;
  /** The tenant whose subscriptions and stream hear of it. */
  tenantId: string;
  binding: Pick<LevelView, "level" | "key" | "limit">;
  now?: number;
}

/** The coalescing key: token, level, window and the window's index. */
export function limitNoticeKey(options: LimitNoticeOptions, now: number): string {
  const windowSeconds = WINDOW_SECONDS[options.binding.key] ?? 3600;
  return `limit|${options.tokenId ?? "-"}|${options.binding.level}|${options.binding.key}|${Math.floor(now / (windowSeconds * 1000))}`;
}

/** Keys this isolate already claimed: a flood of 429s costs one D1 batch per isolate and window, not one per request. */
const CLAIMED = new Set<string>();
const MAX_CLAIMED = 10_000;

/** Publishes api.limit.exceeded unless this token and level already had one in this window. */
export async function announceLimit(env: Env, ctx: BackgroundContext, options: LimitNoticeOptions): Promise<boolean> {
  const now = options.now ?? Date.now();
  const windowSeconds = WINDOW_SECONDS[options.binding.key] ?? 3600;
  const key = limitNoticeKey(options, now);
  if (CLAIMED.has(key)) return false;
  if (CLAIMED.size >= MAX_CLAIMED) CLAIMED.clear();
  CLAIMED.add(key);
  const claim = env.DB.prepare("INSERT OR IGNORE INTO ops_notices (key, created_at) VALUES (?, ?)").bind(key, now);
  const data = { tokenId: options.tokenId, level: options.binding.level, limit: options.binding.limit, windowSeconds };
  try {
    const published = await publish(env, ctx, { tenantId: options.tenantId, type: "api.limit.exceeded", data }, { statements: [claim], requireChange: true, now });
    return published !== undefined;
  } catch (error) {
    CLAIMED.delete(key); // not recorded: the next refusal tries again
    throw error;
  }
}
