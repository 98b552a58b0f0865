// The query plans of the delivery engine's per-batch statements, as D1 (in workerd) plans them on the schema:
// each reaches deliveries through the ids it names (or the subscription it names), never by reading
// every row of a status. Such a statement reads the whole backlog on every batch (D1 bills rows read:
// test/worker/claim-rows-read.test.ts measured 3020 for one claim of two rows with 3000 due).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { claimBatchesStatement, formBatchesStatement, openWindowsStatement } from "../../src/delivery/modes/batches";
import { parkStatement, promoteStatement } from "../../src/delivery/modes/fifo";
import { claimStatement, deferStatement, holdStatement, loadStatements, recordStatements, settleFailedStatement } from "../../src/delivery/store/claims";
import type { Outcome } from "../../src/delivery/core/outcome";

interface Captured {
  sql: string;
  args: unknown[];
}

/** A D1Database stand-in that only records what the builders prepare. */
const recorder = {
  prepare(sql: string) {
    const captured: Captured & { bind(...args: unknown[]): Captured } = {
      sql,
      args: [],
      bind(...args: unknown[]) {
        captured.args = args;
        return captured;
      },
    };
    return captured;
  },
} as unknown as D1Database;

/** The plan's lines for a statement the recorder captured. */
async function plan(statement: D1PreparedStatement): Promise<string[]> {
  const { sql, args } = statement as unknown as Captured;
  const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`).bind(...args).all<{ detail: string }>();
  return results.map((row) => row.detail);
}

/** Plan lines that read deliveries without naming rows: a scan, or a search by status alone. */
const readsByStatus = (lines: string[]) => lines.filter((l) => /\b(SCAN|SEARCH) (deliveries|d|p)\b/.test(l) && (/\bSCAN\b/.test(l) || /deliveries_status \(status=\?\)/.test(l)));

const NOW = 1_700_000_000_000;
const messages = [
  { deliveryId: "dlv_a", subscriptionId: "sub_a", attempt: 0 },
  { deliveryId: "dlv_b", subscriptionId: "sub_a", attempt: 1 },
];
const outcome = { deliveryId: "dlv_a", subscriptionId: "sub_a", attempt: 1, status: "delivered", nextAt: null, statusCode: 200, error: null, verdict: "success", durationMs: 5, responseBody: "ok", finishedAt: NOW, batchId: null } as unknown as Outcome;

const STATEMENTS: [string, () => D1PreparedStatement][] = [
  ["claim", () => claimStatement(recorder, messages, NOW)],
  ["hold", () => holdStatement(recorder, ["dlv_a", "dlv_b"], NOW)],
  ["defer", () => deferStatement(recorder, [{ message: messages[0]!, dueAt: NOW + 1000 }], NOW)],
  ["park", () => parkStatement(recorder, messages, NOW)],
  ["claim batches again", () => claimBatchesStatement(recorder, messages, NOW, 10_000)],
  ["form batches", () => formBatchesStatement(recorder, ["sub_a"], NOW, 10_000)],
  ["open windows", () => openWindowsStatement(recorder, ["sub_a"])],
  ["load subscriptions", () => loadStatements(recorder, messages, NOW)[0]],
  ["load events", () => loadStatements(recorder, messages, NOW)[1]],
  ["record attempts", () => recordStatements(recorder, [outcome], NOW)[0]!],
  ["record deliveries", () => recordStatements(recorder, [outcome], NOW)[1]!],
  ["settle expired", () => settleFailedStatement(recorder, [{ id: "dlv_a", attempts: 1 }], "event_expired", NOW)],
  ["promote FIFO heads", () => promoteStatement(recorder, [{ subscriptionId: "sub_a", key: "k" }], NOW)],
];

describe("the engine's per-batch statements do not read deliveries by status", () => {
  it.each(STATEMENTS)("%s", async (_name, build) => {
    const lines = await plan(build());
    expect(lines.length).toBeGreaterThan(0);
    expect(readsByStatus(lines), lines.join("\n")).toEqual([]);
  });

  it("the check itself finds a statement that reads every pending row", async () => {
    const lines = await plan(
      recorder.prepare("UPDATE deliveries SET attempts = attempts + 1 WHERE id IN (SELECT value FROM json_each(?1)) AND (status IN ('pending', 'retrying') OR (status = 'sending' AND next_at <= ?2))").bind('["dlv_a"]', NOW),
    );
    expect(readsByStatus(lines)).not.toEqual([]);
  });
});
