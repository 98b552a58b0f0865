/** The dashboard's page shell and shared pieces: navigation, tables, messages, forms with their CSRF token. */
import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import { DASHBOARD_PATH } from "./session";

/**
 * htmx settings: no injected styles or eval (the CSP forbids both), and error pages (a refused
 * sign-in, an API error shown in a form) are swapped in like any page instead of being dropped.
 */
const HTMX_CONFIG = JSON.stringify({
  includeIndicatorStyles: false,
  allowEval: false,
  allowScriptTags: false,
  responseHandling: [
    { code: "204", swap: false },
    { code: "...", swap: true },
  ],
});

/** Navigation entries: [path under the dashboard, label]. */
export const NAV: readonly [string, string][] = [
  ["/", "Overview"],
  ["/subscriptions", "Subscriptions"],
  ["/live", "Live"],
  ["/events", "Event log"],
  ["/catalogue", "Catalogue"],
  ["/rules", "Rules"],
  ["/inspectors", "Inspectors"],
  ["/sources", "Sources"],
  ["/tokens", "Tokens"],
  ["/tenants", "Tenants"],
];

/** A dashboard url. */
export function href(path: string): string {
  return path === "/" ? DASHBOARD_PATH : `${DASHBOARD_PATH}${path}`;
}

/** Options of Layout. */
export interface LayoutOptions {
  title: string;
  /** The nav entry to mark current. */
  current?: string;
  /** The CSRF token for the sign-out form; absent on the sign-in page. */
  csrf?: string;
  children?: Child;
}

/** The page shell: head with our own scripts and styles only (the CSP allows nothing else), nav, main. */
export function Layout({ title, current, csrf, children }: LayoutOptions) {
  return (
    <>
      {raw("<!DOCTYPE html>")}
      <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="htmx-config" content={HTMX_CONFIG} />
        <title>{`${title} · edgehook`}</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href={href("/assets/uplot.css")} />
        <link rel="stylesheet" href={href("/assets/app.css")} />
        <script src={href("/assets/htmx.js")} defer></script>
        <script src={href("/assets/uplot.js")} defer></script>
        <script src={href("/assets/app.js")} defer></script>
      </head>
      <body hx-boost="true">
        <header class="top">
          <a class="brand" href={href("/")}>
            edgehook
          </a>
          {csrf !== undefined && (
            <nav aria-label="Main">
              <ul>
                {NAV.map(([path, label]) => (
                  <li>
                    <a href={href(path)} aria-current={current === path ? "page" : undefined}>
                      {label}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          )}
          {csrf !== undefined && (
            <form method="post" action={href("/sign-out")} class="sign-out">
              <CsrfField csrf={csrf} />
              <button type="submit" data-testid="sign-out">
                Sign out
              </button>
            </form>
          )}
        </header>
        <main id="main">
          <h1>{title}</h1>
          {children}
        </main>
      </body>
      </html>
    </>
  );
}

/** The hidden CSRF field every changing form carries. */
export function CsrfField({ csrf }: { csrf: string }) {
  return <input type="hidden" name="csrf" value={csrf} />;
}

/** A one-button form posting to `action` (pause, resume, retry, …). */
export function ActionButton({ action, csrf, label, testid, danger, confirm }: { action: string; csrf: string; label: string; testid?: string; danger?: boolean; confirm?: string }) {
  return (
    <form method="post" action={action} class="inline" hx-confirm={confirm}>
      <CsrfField csrf={csrf} />
      <button type="submit" data-testid={testid} class={danger ? "danger" : undefined}>
        {label}
      </button>
    </form>
  );
}

/** A notice: an error from the API or a confirmation. */
export function Notice({ kind, children }: { kind: "error" | "info"; children?: Child }) {
  return (
    <p class={`notice ${kind}`} role={kind === "error" ? "alert" : "status"}>
      {children}
    </p>
  );
}

/** Options of Table. */
export interface TableOptions<T> {
  /** `data-testid` of the table (`<page>-table`). */
  testid: string;
  caption: string;
  rows: T[];
  idOf: (row: T) => string;
  columns: [string, (row: T) => Child][];
  empty?: string;
}

/** A readable table (no JavaScript needed); each row carries `data-id`. */
export function Table<T>({ testid, caption, rows, idOf, columns, empty }: TableOptions<T>) {
  return (
    <div class="table-wrap">
      <table data-testid={testid}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {columns.map(([label]) => (
              <th scope="col">{label}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr data-id={idOf(row)}>
              {columns.map(([label, cell]) => (
                <td data-label={label}>{cell(row)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 && <p class="empty">{empty ?? "Nothing here yet."}</p>}
    </div>
  );
}

/** A short, readable time (ISO kept in the `datetime` attribute). */
export function Time({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <span>—</span>;
  return <time datetime={iso}>{iso.replace("T", " ").slice(0, 19)}</time>;
}

/** Short JSON for a table cell. */
export function preview(value: unknown, max = 120): string {
  const text = JSON.stringify(value) ?? "";
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
