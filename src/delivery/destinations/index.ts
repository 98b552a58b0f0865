/** delivery/destinations — where a subscription delivers: one module per type behind the Destination port, and the registry. */
export * from "./http";
export * from "./queue";
export * from "./registry";
export * from "./types";
