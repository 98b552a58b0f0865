// tenantSourceSettings (pure): a tenant source's stored settings become verifier settings, with defaults and never the default tenant's generic vars.
import { describe, expect, it } from "vitest";
import type { Config } from "../../src/config";
import { DEFAULT_GENERIC_OPTIONS } from "../../src/sources/generic";
import { tenantSourceSettings } from "../../src/sources/settings";
import type { TenantSourceRecord } from "../../src/sources/tenant-repository";

const config = { sources: { toleranceSeconds: 300, generic: { ...DEFAULT_GENERIC_OPTIONS, header: "X-Default-Tenant-Header" } } } as unknown as Config;
const record = (over: Partial<TenantSourceRecord>): TenantSourceRecord => ({
  id: "src_AAAAAAAAAAAAAAAA",
  tenantId: "acme",
  provider: "github",
  name: null,
  enabled: true,
  sealedSecrets: "v1.x",
  secretCount: 1,
  events: null,
  settings: {},
  createdAt: 0,
  updatedAt: 0,
  ...over,
});

describe("tenantSourceSettings", () => {
  it("takes the stored tolerance, else the gateway default; no generic options for other providers", () => {
    expect(tenantSourceSettings(config, record({}), ["s"])).toEqual({ secrets: ["s"], toleranceSeconds: 300 });
    expect(tenantSourceSettings(config, record({ settings: { toleranceSeconds: 10 } }), ["a", "b"])).toEqual({ secrets: ["a", "b"], toleranceSeconds: 10 });
  });

  it("fills a generic source's scheme from the built-in defaults, not the default tenant's GENERIC_* vars", () => {
    const generic = tenantSourceSettings(config, record({ provider: "generic", settings: { header: "X-Claude-Signature", prefix: "sha256=" } }), ["s"]).generic;
    expect(generic).toEqual({ ...DEFAULT_GENERIC_OPTIONS, header: "X-Claude-Signature", prefix: "sha256=" });
    expect(tenantSourceSettings(config, record({ provider: "generic" }), ["s"]).generic).toEqual(DEFAULT_GENERIC_OPTIONS);
  });
});
