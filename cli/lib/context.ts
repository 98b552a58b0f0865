/** What every command is given: its I/O, the resolved connection, the typed client, and output helpers. */
import type { Middleware } from "openapi-fetch";
import { createClient, isApiError, type EdgehookClient } from "../client/index.js";
import { resolveConnection, type Connection } from "../config/profile.js";
import { parseFormat, render, type Format, type TableView } from "../output/format.js";
import { ApiError, CommandFailure } from "./errors.js";
import { CLI_VERSION } from "./version.js";

/** A writable text stream (process.stdout or a test's collector). */
export interface TextSink {
  write(text: string): unknown;
}

/** The outside world of one CLI run; tests pass their own. */
export interface Io {
  stdout: TextSink;
  stderr: TextSink;
  /** Read by `verify` (the body) and `login --token -`. */
  stdin: AsyncIterable<Buffer | string> & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
  /** Ends long-running commands (`listen`, `events:tail`); the bin wires SIGINT/SIGTERM to it. */
  signal?: AbortSignal;
  /** Extra client middleware (tests record which operations were called). */
  middleware?: Middleware[];
}

/** Global flags, on every command. */
export interface GlobalOptions {
  apiUrl?: string;
  token?: string;
  profile?: string;
  format?: string;
}

/** The result shape of every openapi-fetch call. */
interface FetchResult {
  data?: unknown;
  error?: unknown;
  response: Response;
}

/** The data inside a success envelope of result type R. */
type DataOf<R extends FetchResult> = NonNullable<R["data"]> extends { data: infer D } ? D : never;

/** Per-run helpers handed to command actions. */
export class CommandContext {
  private cachedClient?: EdgehookClient;
  private cachedConnection?: Connection;

  constructor(
    readonly io: Io,
    /** The global flags as parsed. */
    readonly globals: () => GlobalOptions,
  ) {}

  /** Aborted when the run should end (Ctrl-C); never aborted when the caller gave none. */
  get signal(): AbortSignal {
    return this.io.signal ?? new AbortController().signal;
  }

  /** The output format (--format). */
  get format(): Format {
    return parseFormat(this.globals().format);
  }

  /** The connection from flags, environment or profile. */
  connection(): Connection {
    const g = this.globals();
    this.cachedConnection ??= resolveConnection({ apiUrl: g.apiUrl, token: g.token, profile: g.profile, env: this.io.env });
    return this.cachedConnection;
  }

  /** The typed client for the connection. */
  get client(): EdgehookClient {
    const { url, token } = this.connection();
    this.cachedClient ??= createClient({ url, token, fetch: this.fetchOrExplain(url), userAgent: `edgehook-cli/${CLI_VERSION}`, middleware: this.io.middleware });
    return this.cachedClient;
  }

  /** The envelope's data of a successful call; an error envelope becomes an ApiError. */
  unwrap<R extends FetchResult>(result: R): DataOf<R> {
    if (result.response.ok && result.data !== undefined) return (result.data as { data: DataOf<R> }).data;
    throw apiErrorOf(result.error, result.response);
  }

  /** Prints data in the chosen format; for a page of a list, tells on stderr how to get the next one. */
  print(data: unknown, view?: TableView): void {
    this.io.stdout.write(render(data, this.format, view));
    const cursor = view?.kind === "list" ? (data as { nextCursor?: unknown }).nextCursor : undefined;
    if (typeof cursor === "string" && cursor) this.io.stderr.write(`more: --cursor ${cursor}\n`);
  }

  /** A line for people (progress, notices): stderr in json mode so stdout stays pure JSON. */
  note(text: string): void {
    (this.format === "json" ? this.io.stderr : this.io.stdout).write(`${text}\n`);
  }

  /** The fetch to use, turning "cannot connect" into a clear failure naming the gateway (never the token). */
  private fetchOrExplain(url: string): typeof fetch {
    const base = this.io.fetch ?? globalThis.fetch;
    return async (input, init) => {
      try {
        return await base(input, init);
      } catch (error) {
        if ((error as Error).name === "AbortError") throw error;
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        throw new CommandFailure(`Cannot reach the gateway at ${new URL(url).origin}: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
      }
    };
  }
}

/** An ApiError from an error body (the envelope, or anything else a proxy may answer). */
export function apiErrorOf(body: unknown, response: Response): ApiError {
  if (isApiError(body)) return new ApiError(body.error, body.code, response.status, body.requestId);
  return new ApiError(`HTTP ${response.status} ${response.statusText}`.trim(), "HTTP_ERROR", response.status, response.headers.get("x-request-id") ?? undefined);
}
