// Global setup of the workers project (runs in Node): a real HTTP receiver on 127.0.0.1 for worker
// tests. It answers by path — /status/<code> with that status, /body/<n>/<char> with n chars, anything
// else 200 "ok" — records every request, and lists them at GET /__received?prefix=<path prefix> (JSON).
import type { TestProject } from "vitest/node";
import { startReceiver } from "../e2e/receiver";

declare module "vitest" {
  export interface ProvidedContext {
    receiverUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const receiver = await startReceiver((request) => {
    const url = new URL(request.path, "http://x");
    if (url.pathname === "/__received") {
      const prefix = url.searchParams.get("prefix") ?? "/";
      const list = receiver.requests.filter((r) => r.path.startsWith(prefix) && !r.path.startsWith("/__received"));
      return [200, { "Content-Type": "application/json" }, JSON.stringify(list)];
    }
    // /body/<n>/<char>: a body of n copies of char (declared length; `?chunked` sends it chunked, undeclared).
    const body = /^\/body\/(\d+)\/(.+)$/.exec(url.pathname);
    if (body) {
      const text = decodeURIComponent(body[2]!).repeat(Number(body[1]));
      const headers: Record<string, string> = url.searchParams.has("chunked") ? { "Transfer-Encoding": "chunked" } : { "Content-Length": String(Buffer.byteLength(text)) };
      return [200, headers, text];
    }
    const status = /\/status\/(\d{3})/.exec(url.pathname);
    return [status ? Number(status[1]) : 200, {}, "ok"];
  });
  project.provide("receiverUrl", receiver.url);
  return () => receiver.close();
}
