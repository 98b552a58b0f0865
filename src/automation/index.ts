/** Automation: rules route events to multi-step runs on Cloudflare Workflows (docs/AUTOMATION.md). */
export { ruleRoutes } from "./rule-routes";
export { runRoutes } from "./run-routes";
export { ruleWorkflowClass, type RunParams } from "./workflow";
export type { AutomationEffects } from "./step-kinds";
export { wakeActiveRuns } from "./wake";
