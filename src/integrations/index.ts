/** Integrations: the catalogue of ready destinations and how one becomes a subscription. */
export { bindParams, integrationConfig, resolveParams, withIntegration, type IntegrationConfig } from "./apply";
export { findIntegration, INTEGRATIONS } from "./registry";
export { INTEGRATION_CATEGORIES, type Integration, type IntegrationCategory, type IntegrationParam } from "./types";
