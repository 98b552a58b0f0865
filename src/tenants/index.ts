/** Tenants: the model, the tenant-bound database handle, the request binding and the tenant store. */
export * from "./model";
export * from "./tenant-db";
export * from "./context";
