// Which .dev.vars keys reach the Worker under `wrangler dev`, and which are unknown to edgehook.
// Pure text in, lists out: `npm run dev` warns with it, the e2e suite checks it against wrangler.toml.

/** Parses dotenv text (`KEY=value`, `# comments`, optional quotes) into an object. */
export function parseDotenv(text) {
  const out = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) continue;
    let value = match[2].trim();
    if (/^(["']).*\1$/.test(value)) value = value.slice(1, -1);
    out[match[1]] = value;
  }
  return out;
}

/** The lines of one `[table]` of a TOML file (up to the next table header). */
function tomlTable(toml, name) {
  const lines = toml.split(/\r?\n/);
  const start = lines.findIndex((l) => l.trim() === `[${name}]`);
  if (start < 0) return null;
  const end = lines.findIndex((l, i) => i > start && /^\s*\[/.test(l));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/**
 * What wrangler.toml tells `wrangler dev` to load: the `[vars]` names, and `secrets.required`
 * (null when there is no `[secrets]` table: then every .dev.vars key is loaded).
 */
export function readWranglerToml(toml) {
  const vars = (tomlTable(toml, "vars") ?? []).map((l) => /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(l)?.[1]).filter(Boolean);
  const secrets = tomlTable(toml, "secrets");
  if (!secrets) return { vars, requiredSecrets: null };
  const list = /required\s*=\s*\[([^\]]*)\]/.exec(secrets.join("\n"))?.[1] ?? "";
  return { vars, requiredSecrets: [...list.matchAll(/"([^"]+)"/g)].map((m) => m[1]) };
}

/**
 * Sorts the keys of .dev.vars: `dropped` never reach the Worker (wrangler loads, when a
 * `[secrets]` table exists, only `[vars]` names and `secrets.required`); `unknown` reach it but
 * edgehook reads no such name (a typo?). `known` is every name edgehook reads.
 */
export function checkDevVars({ devVars, vars, requiredSecrets, known }) {
  const keys = Object.keys(devVars);
  const dropped = requiredSecrets === null ? [] : keys.filter((k) => !vars.includes(k) && !requiredSecrets.includes(k));
  const unknown = keys.filter((k) => !dropped.includes(k) && !vars.includes(k) && !known.includes(k));
  return { dropped, unknown };
}
