// Starts one real `wrangler dev` for the e2e project and hands its URL and admin token to the tests.
import type { TestProject } from "vitest/node";
import { startWranglerDev } from "../../scripts/wrangler-dev.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    gatewayUrl: string;
    adminToken: string;
  }
}

export default async function setup(project: TestProject) {
  const gateway = await startWranglerDev();
  project.provide("gatewayUrl", gateway.url);
  project.provide("adminToken", gateway.adminToken);
  return async () => {
    await gateway.stop();
  };
}
