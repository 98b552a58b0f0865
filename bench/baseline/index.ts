// The bench baseline: a bare Hono Worker that parses a JSON body and answers a small JSON body,
// with or without the same durable write the gateway does (two rows in one D1 batch).
import { Hono } from "hono";

const app = new Hono<{ Bindings: { DB: D1Database } }>();

// Same path and content as the gateway's POST /task so the load generator differs only in the host.
app.post("/webhooks/v2/task", async (c) => {
  const body = await c.req.json<{ task?: unknown }>();
  return c.json({ success: true, data: { id: `task-${crypto.randomUUID()}`, status: "pending", task: body.task ?? null } }, 201);
});

// The floor for any durable gateway: parse, then one D1 batch writing a resource row and an event row.
app.post("/webhooks/v2/task-durable", async (c) => {
  const text = await c.req.text();
  const body = JSON.parse(text) as { task?: unknown };
  const id = `task-${crypto.randomUUID()}`;
  const now = Date.now();
  const insert = c.env.DB.prepare("INSERT INTO items (id, kind, body, created_at) VALUES (?, ?, ?, ?)");
  await c.env.DB.batch([insert.bind(id, "task", text, now), insert.bind(`evt-${crypto.randomUUID()}`, "event", JSON.stringify({ taskId: id }), now)]);
  return c.json({ success: true, data: { id, status: "pending", task: body.task ?? null } }, 201);
});

app.get("/health", (c) => c.json({ status: "healthy" }));

export default app;
