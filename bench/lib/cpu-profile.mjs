// A V8 CPU profile of the Worker under `wrangler dev`, through wrangler's DevTools inspector proxy, by source module.
// The proxy wants an Origin header and workerd's inspector permessage-deflate, hence `ws` (Node's WebSocket
// offers neither). The Worker's bundle is esbuild output that keeps `// src/x.ts` / `// node_modules/pkg/...`
// comments before each module, so a sampled line maps back to the module it came from without a source map.
import WebSocket from "ws";

const MODULE_MARKER = /^\/\/ ((?:src|node_modules|cli|\.\.)\/[^\s]+)$/;
const NATIVE = new Set(["(program)", "(garbage collector)", "(idle)", "(root)"]);

/**
 * Connects to the inspector proxy of a `wrangler dev` (`inspectorPort`) and starts sampling every
 * `samplingIntervalUs`; resolves to `{ stop() }`, which resolves to the summary.
 */
export async function startProfile({ inspectorPort, samplingIntervalUs = 200 }) {
  const [target] = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  const ws = new WebSocket(target.webSocketDebuggerUrl, { headers: { Origin: "http://localhost" } });
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  let nextId = 1;
  const pending = new Map();
  const scripts = new Map();
  ws.on("message", (message) => {
    const data = JSON.parse(String(message));
    if (data.method === "Debugger.scriptParsed") scripts.set(data.params.scriptId, data.params.url);
    if (data.id && pending.has(data.id)) {
      const { resolve, reject } = pending.get(data.id);
      pending.delete(data.id);
      if (data.error) reject(new Error(`${data.error.message}`));
      else resolve(data.result);
    }
  });
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });
  await send("Debugger.enable");
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: samplingIntervalUs });
  await send("Profiler.start");
  return {
    async stop() {
      const { profile } = await send("Profiler.stop");
      const modulesOf = new Map();
      for (const scriptId of new Set(profile.nodes.map((n) => n.callFrame.scriptId))) {
        if (!scripts.has(scriptId) || scriptId === "0") continue;
        const { scriptSource } = await send("Debugger.getScriptSource", { scriptId }).catch(() => ({ scriptSource: "" }));
        modulesOf.set(scriptId, moduleIndex(scriptSource));
      }
      await send("Debugger.disable").catch(() => undefined);
      ws.close();
      return summarise(profile, (frame) => moduleAt(modulesOf.get(frame.scriptId), frame.lineNumber, scripts.get(frame.scriptId)));
    },
  };
}

/** Sorted [line, module] pairs from the bundle's module comments. */
function moduleIndex(source) {
  const index = [];
  source.split("\n").forEach((line, i) => {
    const match = MODULE_MARKER.exec(line);
    if (match) index.push([i, match[1].replace(/^(\.\.\/)+/, "")]);
  });
  return index;
}

function moduleAt(index, line, url) {
  if (!index?.length) return url ? `(script ${url.split("/").pop() || url})` : "(runtime)";
  let lo = 0;
  let hi = index.length - 1;
  if (line < index[0][0]) return "(bundle prelude)";
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (index[mid][0] <= line) lo = mid;
    else hi = mid - 1;
  }
  return index[lo][1];
}

/** Packages and folders: node_modules/hono/dist/x.js → hono; src/auth/x.ts → src/auth. */
export function groupOf(module) {
  const pkg = /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(module);
  if (pkg) return pkg[1];
  const src = /^(src\/[^/]+)(\/|\.ts$)/.exec(module);
  return src ? src[1].replace(/\.ts$/, "") : module;
}

/**
 * Self time per function, module and group, in ms; `(program)` is time in the runtime outside JS
 * (I/O, streams, the native parts of Web APIs), `(idle)` is the isolate waiting.
 */
export function summarise(profile, moduleOf) {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const totals = { functions: new Map(), modules: new Map(), groups: new Map() };
  const add = (map, key, us) => map.set(key, (map.get(key) ?? 0) + us);
  let wallUs = 0;
  let idleUs = 0;
  for (const [id, us] of self) {
    wallUs += us;
    const frame = byNode.get(id).callFrame;
    if (frame.functionName === "(idle)") {
      idleUs += us;
      continue;
    }
    const native = NATIVE.has(frame.functionName);
    const module = native ? frame.functionName : moduleOf(frame);
    add(totals.modules, module, us);
    add(totals.groups, native ? module : groupOf(module), us);
    add(totals.functions, `${frame.functionName || "(anonymous)"} ${native ? "" : `${module}:${frame.lineNumber + 1}`}`.trim(), us);
  }
  const busyUs = wallUs - idleUs;
  const top = (map, n) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10, share: `${((100 * us) / Math.max(1, busyUs)).toFixed(1)} %` }));
  return { wallMs: Math.round(wallUs / 1000), busyMs: Math.round(busyUs / 1000), groups: top(totals.groups, 20), modules: top(totals.modules, 25), functions: top(totals.functions, 25) };
}
