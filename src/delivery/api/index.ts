/** delivery/api — routes only: subscriptions, endpoint checks, deliveries, channels, destinations. */
export { channelRoutes } from "./channels";
export { deliveryRoutes } from "./deliveries";
export { destinationRoutes } from "./destinations";
export { endpointRoutes } from "./endpoint-checks";
export { subscriptionRoutes } from "./subscriptions";
