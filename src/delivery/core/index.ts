/** delivery/core — pure: the attempt → outcome → retry / settle / disable decision, retry policy, endpoint health, matching. No I/O. */
export * from "./endpoint-health";
export * from "./match";
export * from "./outcome";
export * from "./retry-policy";
export * from "./modes";
