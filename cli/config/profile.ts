/** The profile file ($XDG_CONFIG_HOME/edgehook/config.toml, mode 0600) and how a connection is resolved. */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { parse, stringify } from "smol-toml";
import { UsageError } from "../lib/errors.js";

/** The profile used when none is named. */
export const DEFAULT_PROFILE = "default";

/** One profile: where the gateway is and which token to use. */
export interface Profile {
  url?: string;
  token?: string;
}

/** What the CLI connects with, and where each part came from. */
export interface Connection {
  url: string;
  token?: string;
  profile: string;
}

/** Flags and environment that decide the connection. */
export interface ConnectionInputs {
  apiUrl?: string;
  token?: string;
  profile?: string;
  env: Record<string, string | undefined>;
}

/** `$XDG_CONFIG_HOME/edgehook/config.toml`, else `~/.config/edgehook/config.toml`. */
export function configPath(env: Record<string, string | undefined>): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return join(base, "edgehook", "config.toml");
}

/** Every profile in the file (none when the file does not exist). */
export function readProfiles(path: string): Record<string, Profile> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw error;
  }
  let doc: Record<string, unknown>;
  try {
    doc = parse(text);
  } catch (error) {
    throw new UsageError(`${path} is not valid TOML: ${(error as Error).message.split("\n")[0]}`);
  }
  const profiles: Record<string, Profile> = {};
  for (const [name, value] of Object.entries(doc)) {
    if (typeof value !== "object" || value === null) continue;
    const v = value as Record<string, unknown>;
    profiles[name] = { url: typeof v.url === "string" ? v.url : undefined, token: typeof v.token === "string" ? v.token : undefined };
  }
  return profiles;
}

/** Writes one profile into the file (others kept); the file is mode 0600 and its folder 0700. */
export function writeProfile(path: string, name: string, profile: Required<Profile>): void {
  const profiles = readProfiles(path);
  profiles[name] = profile;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `# edgehook CLI profiles (edgehook login). Holds API tokens: keep it private.\n${stringify(profiles)}\n`, { mode: 0o600 });
  // writeFileSync's mode applies only when it creates the file.
  chmodSync(path, 0o600);
}

/** Flags, else EDGEHOOK_URL / EDGEHOOK_TOKEN, else the profile (--profile, EDGEHOOK_PROFILE, `default`). */
export function resolveConnection(inputs: ConnectionInputs): Connection {
  const profile = inputs.profile || inputs.env.EDGEHOOK_PROFILE || DEFAULT_PROFILE;
  let url = inputs.apiUrl || inputs.env.EDGEHOOK_URL;
  let token = inputs.token || inputs.env.EDGEHOOK_TOKEN;
  if (!url || !token) {
    const path = configPath(inputs.env);
    const stored = readProfiles(path)[profile];
    url ||= stored?.url;
    token ||= stored?.token;
  }
  if (!url) throw new UsageError(`No gateway url: pass --api-url, set EDGEHOOK_URL, or run \`edgehook login --url URL --token TOKEN\` (profile "${profile}")`);
  try {
    new URL(url);
  } catch {
    throw new UsageError(`Not a url: ${url}`);
  }
  return { url, token, profile };
}
