// The claim stage's cost does not grow with the backlog (real D1 in workerd): with 3000 due rows
// waiting, claiming, holding and deferring the two rows a batch names reads a handful of rows, as
// D1 reports them (meta.rows_read, what D1 bills). test/worker/claim-plans.test.ts shows the plans.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { claimStatement, deferStatement, holdStatement } from "../../src/delivery/store/claims";
import { call } from "./helpers";
import { RECEIVER } from "./receiver";

const BACKLOG = 3000;
const NOW = Date.now();
let subscriptionId = "";

beforeAll(async () => {
  const res = await call("/subscriptions", { body: { url: `${RECEIVER}/claim-rows`, events: ["claim.rows"] } });
  expect(res.status, res.text).toBe(201);
  subscriptionId = res.json.data.id;
  // The backlog: pending rows of the same subscription, due now (id order = publish order).
  await env.DB.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
     INSERT INTO deliveries (id, event_id, subscription_id, event_type, status, attempts, next_at, created_at, updated_at)
     SELECT printf('dlv_backlog_%05d', i), printf('evt_backlog_%05d', i), ?2, 'claim.rows', 'pending', 0, ?3, ?3, ?3 FROM n`,
  )
    .bind(BACKLOG, subscriptionId, NOW)
    .run();
});

const named = () => [
  { deliveryId: "dlv_backlog_00001", subscriptionId, attempt: 0 },
  { deliveryId: "dlv_backlog_00002", subscriptionId, attempt: 0 },
];

describe(`with ${BACKLOG} due rows waiting`, () => {
  it("claiming the two named rows claims them and reads far fewer rows than the backlog", async () => {
    const [result] = await env.DB.batch([claimStatement(env.DB, named(), NOW)]);
    expect((result!.results as { id: string }[]).map((r) => r.id).sort()).toEqual(["dlv_backlog_00001", "dlv_backlog_00002"]);
    expect(result!.meta.rows_read).toBeLessThan(100);
  });

  it("holding and deferring named rows read far fewer rows than the backlog", async () => {
    const [hold, defer] = await env.DB.batch([
      holdStatement(env.DB, ["dlv_backlog_00003", "dlv_backlog_00004"], NOW),
      deferStatement(env.DB, [{ message: { deliveryId: "dlv_backlog_00005", subscriptionId, attempt: 0 }, dueAt: NOW + 60_000 }], NOW),
    ]);
    expect(hold!.meta.rows_read).toBeLessThan(100);
    expect(defer!.meta.rows_read).toBeLessThan(100);
    expect(defer!.meta.changes).toBe(1);
  });
});
