/** The gateway version (OpenAPI document, outbound User-Agent). */
export const VERSION = "0.1.0";
