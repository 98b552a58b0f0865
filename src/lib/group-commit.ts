/** Group commit: concurrent D1 batches of one isolate gathered for a few milliseconds and sent as one `batch()`, each caller answered with its own results. */

/** Options for GroupCommit. */
export interface GroupCommitOptions {
  /** How long the first job of a group waits for others (ms); 0 sends every job on its own. */
  gatherMs: number;
  /** A group is sent at once when it holds this many statements. */
  maxStatements: number;
}

interface Job {
  statements: D1PreparedStatement[];
  resolve(results: D1Result[]): void;
  reject(error: unknown): void;
}

/** What one flush did, for tests and benchmarks. */
export interface GroupCommitStats {
  /** Jobs submitted. */
  jobs: number;
  /** `batch()` calls made (round trips to D1). */
  batches: number;
  /** Groups whose shared batch failed and whose jobs were each retried alone. */
  fallbacks: number;
}

/**
 * Gathers the jobs submitted to one database within `gatherMs` of the first into one D1 `batch()`,
 * each job's statements contiguous and in order (so `changes()` guards inside a job still see the
 * job's own previous statement). D1 runs a batch as one transaction: when the shared batch fails,
 * nothing of it was written, and every job of the group is sent again on its own — so a job whose
 * statement is bad fails alone and the others commit. Every caller is answered only after its own
 * statements committed.
 */
export class GroupCommit {
  readonly #db: D1Database;
  #options: GroupCommitOptions;
  #pending: Job[] = [];
  /** Settles when the pending group has been sent and answered. */
  #groupDone: Promise<void> | null = null;
  #endGroup: () => void = () => undefined;
  #pendingStatements = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  readonly stats: GroupCommitStats = { jobs: 0, batches: 0, fallbacks: 0 };

  constructor(db: D1Database, options: GroupCommitOptions) {
    this.#db = db;
    this.#options = options;
  }

  /** Changes the gathering window and size (configuration is read per request). */
  configure(options: GroupCommitOptions): void {
    this.#options = options;
  }

  /**
   * Commits `statements` as one all-or-nothing unit and returns their results, in order. `ctx`
   * keeps the group's send alive (`waitUntil`) even if the request that started it goes away.
   */
  commit(statements: D1PreparedStatement[], ctx: Pick<ExecutionContext, "waitUntil">): Promise<D1Result[]> {
    this.stats.jobs++;
    if (this.#options.gatherMs <= 0 || statements.length >= this.#options.maxStatements) {
      this.stats.batches++;
      return this.#db.batch(statements);
    }
    const answer = new Promise<D1Result[]>((resolve, reject) => {
      this.#pending.push({ statements, resolve, reject });
      this.#pendingStatements += statements.length;
    });
    if (!this.#groupDone) this.#groupDone = new Promise<void>((resolve) => (this.#endGroup = resolve));
    ctx.waitUntil(this.#groupDone);
    if (this.#pendingStatements >= this.#options.maxStatements) this.#flush();
    else this.#timer ??= setTimeout(() => this.#flush(), this.#options.gatherMs);
    return answer;
  }

  #flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const group = this.#pending;
    const end = this.#endGroup;
    this.#pending = [];
    this.#pendingStatements = 0;
    this.#groupDone = null;
    if (group.length > 0) void this.#send(group).finally(end);
    else end();
  }

  async #send(group: Job[]): Promise<void> {
    if (group.length === 1) return this.#alone(group[0]!);
    this.stats.batches++;
    let results: D1Result[];
    try {
      results = await this.#db.batch(group.flatMap((job) => job.statements));
    } catch {
      // The transaction rolled back as a whole: each job again on its own, so only a bad one fails.
      this.stats.fallbacks++;
      await Promise.all(group.map((job) => this.#alone(job)));
      return;
    }
    let offset = 0;
    for (const job of group) {
      job.resolve(results.slice(offset, offset + job.statements.length));
      offset += job.statements.length;
    }
  }

  async #alone(job: Job): Promise<void> {
    this.stats.batches++;
    try {
      job.resolve(await this.#db.batch(job.statements));
    } catch (error) {
      job.reject(error);
    }
  }
}

const executors = new WeakMap<D1Database, GroupCommit>();

/** The isolate's group-commit executor for `db` (one per database binding object). */
export function groupCommitFor(db: D1Database, options: GroupCommitOptions): GroupCommit {
  let executor = executors.get(db);
  if (!executor) executors.set(db, (executor = new GroupCommit(db, options)));
  else executor.configure(options);
  return executor;
}
