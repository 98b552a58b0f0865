/** Generated links (pure): a page link keeps the request's query but never a credential. */

/** Query parameters that carry a credential (`?api_key=`); generated links never repeat them. */
export const CREDENTIAL_QUERY_PARAMS: readonly string[] = ["api_key"];

/** `path?query` of `requestUrl` with `params` set and every credential parameter removed. */
export function linkTo(requestUrl: string, params: Record<string, string>): string {
  const url = new URL(requestUrl);
  for (const name of CREDENTIAL_QUERY_PARAMS) url.searchParams.delete(name);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return `${url.pathname}${url.search}`;
}
