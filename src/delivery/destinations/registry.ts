/** The destination registry: every destination type by name (add a type here and it is usable everywhere). */
import { httpDestination } from "./http";
import { queueDestination } from "./queue";
import type { Destination } from "./types";

/** Every destination type, in the order GET /destinations lists them. */
export const DESTINATIONS: readonly Destination<any>[] = [httpDestination, queueDestination];

/** The destination of a type, or null for an unknown type. */
export function destinationOf(type: string): Destination<any> | null {
  return DESTINATIONS.find((d) => d.type === type) ?? null;
}
