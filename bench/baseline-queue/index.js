// Bare queue Worker for bench/delivery: POST /publish enqueues one message, POST /publish-batch many;
// the consumer only POSTs each message to its URL.
export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (pathname === "/webhooks/v2/health") return Response.json({ status: "healthy" });
    if (pathname === "/publish" && request.method === "POST") {
      await env.QUEUE.send(await request.json());
      return Response.json({ ok: true }, { status: 201 });
    }
    if (pathname === "/publish-batch" && request.method === "POST") {
      // Enqueues `count` messages at once (the drain phase), like the gateway's resume does.
      const { count, url, prefix } = await request.json();
      for (let i = 0; i < count; i += 100) {
        const chunk = [];
        for (let j = i; j < Math.min(count, i + 100); j++) chunk.push({ body: { id: `${prefix}${j}`, url, data: { i: j } } });
        await env.QUEUE.sendBatch(chunk);
      }
      return Response.json({ ok: true }, { status: 201 });
    }
    return new Response("not found", { status: 404 });
  },
  async queue(batch) {
    await Promise.all(
      batch.messages.map(async (message) => {
        const res = await fetch(message.body.url, { method: "POST", headers: { "Content-Type": "application/json", "X-Bench-ID": message.body.id }, body: JSON.stringify(message.body) });
        await res.arrayBuffer();
      }),
    );
    batch.ackAll();
  },
};
