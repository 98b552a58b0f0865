// The edgehook CLI as a real child process (`node cli/bin.mjs`, what `npx edgehook` runs) against
// the shared `wrangler dev`: npx from the checkout, Node 20, the seed commands in both formats, exit
// codes, login's profile file, `listen` with a stream drop in the middle, `verify` with a real
// delivery's headers, and the token kept out of process titles, child processes and output.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { delimiter, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { buildCli, childProcessRunner, isolatedHome, ROOT, startCli, waitForOutput, type CliRunner } from "./cli-helpers";
import { json, walkSeedCommands } from "./cli-seed";
import { gatewayClient } from "./delivery-helpers";
import { startReceiver, verifyStandard, verifyXWebhook, type Receiver } from "./receiver";

/** A TCP proxy in front of the gateway whose connections a test can cut, and hold off for a while. */
async function startProxy(target: string) {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let refusing = false;
  const server: Server = createServer((client) => {
    if (refusing) return client.destroy();
    const upstream = createConnection({ host: hostname, port: Number(port) });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => undefined);
      s.on("close", () => (sockets.delete(s), client.destroy(), upstream.destroy()));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** Drops every open connection and refuses new ones until `resume`. */
    cut() {
      refusing = true;
      for (const s of sockets) s.destroy();
    },
    resume() {
      refusing = false;
    },
    close: () => new Promise<void>((resolve) => (refusing = true, [...sockets].forEach((s) => s.destroy()), server.close(() => resolve()))),
  };
}

/** The ids of a process's descendants (Linux /proc). */
function descendants(pid: number): number[] {
  const out: number[] = [];
  const tasks = `/proc/${pid}/task`;
  if (!existsSync(tasks)) return out;
  for (const tid of readdirSync(tasks)) {
    const children = readFileSync(`${tasks}/${tid}/children`, "utf8").trim();
    for (const child of children ? children.split(/\s+/).map(Number) : []) out.push(child, ...descendants(child));
  }
  return out;
}

const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");

/** A Node 20 binary outside node_modules (the machine's own), when there is one. */
function systemNode20(): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, "node");
    if (dir.includes("node_modules") || !existsSync(candidate)) continue;
    const version = spawnSync(candidate, ["--version"], { encoding: "utf8" }).stdout.trim();
    if (version.startsWith("v20.")) return candidate;
  }
  return undefined;
}

describe("edgehook CLI as a child process", () => {
  const gatewayUrl = inject("gatewayUrl");
  const adminToken = inject("adminToken");
  const home = isolatedHome();
  const env = { EDGEHOOK_URL: gatewayUrl, EDGEHOOK_TOKEN: adminToken, XDG_CONFIG_HOME: home, HOME: home };
  const cli: CliRunner = childProcessRunner(env, [adminToken]);
  let receiver: Receiver;

  beforeAll(async () => {
    buildCli();
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
  });

  it("`npx edgehook --help` works from the checkout, and the bin runs on the machine's Node 20", async () => {
    const npx = spawnSync("npx", ["--no-install", "edgehook", "--help"], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env } });
    expect(npx.status, npx.stderr).toBe(0);
    expect(npx.stdout).toContain("webhooks:list");
    const node20 = systemNode20();
    if (!node20) return;
    const run = spawnSync(node20, [join(ROOT, "cli", "bin.mjs"), "health", "--format", "json"], { cwd: ROOT, encoding: "utf8", env: { PATH: dirname(node20), ...env } });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).status).toMatch(/healthy|degraded/);
  });

  // About 40 process starts one after the other: on a loaded 2-core machine each may take a second.
  it("runs every seed-004 webhooks command in both formats", { timeout: 240_000 }, async () => {
    await walkSeedCommands(cli, receiver, "proc");
  });

  it("exits 1 on an API error (message and code on stderr) and 2 on a usage error", async () => {
    const apiError = await cli(["webhooks:info", "sub-doesnotexist0000", "--format", "json"]);
    expect(apiError).toMatchObject({ code: 1, stdout: "" });
    expect(apiError.stderr).toMatch(/^error: Subscription not found \(NOT_FOUND, HTTP 404, request req-\S+\)\n$/);
    const usage = await cli(["webhooks:list", "--limit", "0"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("--limit");
    expect((await cli(["webhooks:frobnicate"])).code).toBe(2);
    const unreachable = await cli(["webhooks:list"], { env: { EDGEHOOK_URL: "http://127.0.0.1:9" } });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain("Cannot reach the gateway at http://127.0.0.1:9");
  });

  it("login writes the profile with mode 0600 under XDG_CONFIG_HOME, and later commands use it", async () => {
    const xdg = isolatedHome();
    const bare = { XDG_CONFIG_HOME: xdg, HOME: xdg };
    const login = await cli(["login", "--url", `${gatewayUrl}/webhooks/v2`, "--token", adminToken], { env: { ...bare, EDGEHOOK_URL: undefined, EDGEHOOK_TOKEN: undefined } });
    expect(login.code, login.stderr).toBe(0);
    const file = join(xdg, "edgehook", "config.toml");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(file)).mode & 0o777).toBe(0o700);
    expect(readFileSync(file, "utf8")).toContain(`[default]\nurl = "${gatewayUrl}"\ntoken = "${adminToken}"`);
    const listed = await cli(["webhooks:list", "--format", "json"], { env: { ...bare, EDGEHOOK_URL: undefined, EDGEHOOK_TOKEN: undefined } });
    expect(listed.code, listed.stderr).toBe(0);

    // A second profile, its token read from stdin; HOME/.config when XDG_CONFIG_HOME is unset.
    const second = await cli(["login", "--url", gatewayUrl, "--token", "-", "--profile", "staging"], { env: { HOME: xdg, XDG_CONFIG_HOME: undefined, EDGEHOOK_URL: undefined, EDGEHOOK_TOKEN: undefined }, stdin: `${adminToken}\n` });
    expect(second.code, second.stderr).toBe(0);
    const homeFile = join(xdg, ".config", "edgehook", "config.toml");
    expect(statSync(homeFile).mode & 0o777).toBe(0o600);
    const viaProfile = await cli(["health", "--profile", "staging"], { env: { HOME: xdg, XDG_CONFIG_HOME: undefined, EDGEHOOK_URL: undefined, EDGEHOOK_TOKEN: undefined } });
    expect(viaProfile.code, viaProfile.stderr).toBe(0);
    const noProfile = await cli(["webhooks:list", "--profile", "nope"], { env: { ...bare, EDGEHOOK_URL: undefined, EDGEHOOK_TOKEN: undefined } });
    expect(noProfile.code).toBe(2);
  });

  it("listen forwards live events signed with its session secret, and loses none across a dropped stream", async () => {
    const local = await startReceiver();
    const proxy = await startProxy(gatewayUrl);
    const publish = gatewayClient(gatewayUrl, adminToken);
    // The token on the command line (not the environment): it must not stay visible in the process list.
    const listen = startCli(["listen", "--forward-to", `${local.url}/hook`, "--events", "cli.listen", "--api-url", proxy.url, "--token", adminToken], { HOME: home, XDG_CONFIG_HOME: home });
    try {
      const banner = await waitForOutput(listen, (o) => /^Ready: forwarding cli\.listen to /m.test(o.stdout));
      const secret = /whsec_\S+/.exec(banner.stdout)![0];
      const pid = listen.child.pid!;
      expect(cmdline(pid)).not.toContain(adminToken);
      expect(cmdline(pid)).toMatch(/^edgehook/);

      const sent: string[] = [];
      const send = async (n: number) => {
        const res = await publish("/events", { body: { type: `cli.listen.e${n}`, data: { n } } });
        expect(res.status).toBe(201);
        sent.push(res.json.data.id);
      };
      await send(0);
      await send(1);
      await local.waitFor(2);

      proxy.cut();
      for (const n of [2, 3, 4]) await send(n);
      await new Promise((r) => setTimeout(r, 300));
      proxy.resume();
      await send(5);
      const got = await local.waitFor(6, { timeoutMs: 30_000 });
      expect(got.map((r) => r.headers["webhook-id"])).toEqual(sent);
      await new Promise((r) => setTimeout(r, 500));
      expect(local.requests).toHaveLength(6);

      for (const request of got) {
        expect(request.path).toBe("/hook");
        expect(() => verifyStandard(secret, request)).not.toThrow();
        expect(verifyXWebhook(secret, request)).toBe(true);
        expect(JSON.parse(request.body)).toMatchObject({ id: request.headers["webhook-id"], type: request.headers["x-webhook-event"] });
      }
      const out = listen.output();
      for (const id of sent) expect(out.stdout).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d  cli\\.listen\\.e\\d  ${id}  200  \\d+ ms$`, "m"));
      expect(out.stderr).toContain("stream dropped");
      for (const child of descendants(pid)) expect(cmdline(child)).not.toContain(adminToken);

      listen.child.kill("SIGINT");
      const done = await listen.done;
      expect(done.code).toBe(0);
      expect(done.stdout + done.stderr).not.toContain(adminToken);
    } finally {
      listen.child.kill("SIGKILL");
      await proxy.close();
      await local.close();
    }
  });

  it("verify checks a real delivery's Standard Webhooks and X-Webhook signatures (exit 0 valid, 1 not)", async () => {
    const sub = await json(cli, ["webhooks:create", "--name", "verify", "--url", `${receiver.url}/verify`, "--events", "cli.verify.*"]);
    const event = await json(cli, ["webhooks:trigger", "--event", "cli.verify.done", "--data", '{"ok":true}']);
    const [delivery] = await receiver.waitFor(1, { match: (r) => r.headers["webhook-id"] === event.id });
    const h = delivery!.headers as Record<string, string>;
    const standard = ["verify", "--secret", sub.secret, "--id", h["webhook-id"]!, "--timestamp", h["webhook-timestamp"]!, "--signature", h["webhook-signature"]!];
    expect(await cli(standard, { stdin: delivery!.body })).toMatchObject({ code: 0, stdout: "valid (standard-webhooks)\n" });
    const xWebhook = ["verify", "--secret", sub.secret, "--timestamp", h["x-webhook-timestamp"]!, "--signature", h["x-webhook-signature"]!, "--format", "json"];
    const ok = await cli(xWebhook, { stdin: delivery!.body });
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ valid: true, scheme: "x-webhook" });

    const tampered = await cli(standard, { stdin: delivery!.body.replace("true", "false") });
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toContain("invalid signature: no signature matches");
    const wrongSecret = await cli(xWebhook.map((a) => (a === sub.secret ? "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" : a)), { stdin: delivery!.body });
    expect(wrongSecret.code).toBe(1);
    expect(JSON.parse(wrongSecret.stdout)).toMatchObject({ valid: false, scheme: "x-webhook" });
    const stale = await cli(["verify", "--secret", sub.secret, "--id", h["webhook-id"]!, "--timestamp", String(Number(h["webhook-timestamp"]) - 3600), "--signature", h["webhook-signature"]!], { stdin: delivery!.body });
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain("more than 300 s from now");
    await json(cli, ["webhooks:delete", sub.id, "--force"]);
  });
});
