/** delivery/api — routes only: subscriptions, deliveries, channels, destinations. */
export { channelRoutes } from "./channels";
export { deliveryRoutes } from "./deliveries";
export { destinationRoutes } from "./destinations";
export { subscriptionRoutes } from "./subscriptions";
