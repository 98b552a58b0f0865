// The bench baseline: a bare Hono Worker that parses a JSON body and answers a small JSON body.
import { Hono } from "hono";

const app = new Hono();

// Same path and content as the gateway's POST /task so the load generator differs only in the host.
app.post("/webhooks/v2/task", async (c) => {
  const body = await c.req.json<{ task?: unknown }>();
  return c.json({ success: true, data: { id: `task-${crypto.randomUUID()}`, status: "pending", task: body.task ?? null } }, 201);
});

app.get("/health", (c) => c.json({ status: "healthy" }));

export default app;
