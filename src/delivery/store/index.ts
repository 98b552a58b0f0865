/** delivery/store — D1 statements (targeted updates only) and the EndpointGuard's state; no decisions. */
export * from "./channels";
export * from "./claims";
export * from "./deliveries";
export * from "./endpoint-guard";
export * from "./health";
export * from "./outbox";
export * from "./queue-sink";
export * from "./subscriptions";
