// The embedded Store backend: an append-only log of changes in one SQLite table, shaped like
// kine's. Each row is one change; its autoincrement id is the revision of that change. The
// current value of a key is its newest row (a row with deleted = 1 means the key is absent).
// Compare-and-swap is backed by a unique index on (name, prev_revision): two writers that both
// saw the same latest row cannot both append after it.
//
// One process owns the file. Writes run synchronously, one after another, so within the process
// there is nothing to race. Group commit: the writes that arrive in one turn of the event loop
// share one transaction, committed at the end of that turn; no write is acknowledged (and no
// read that ran inside the open transaction answered) before it commits, so an acknowledged
// write survives kill -9 and nobody sees a value that a failed commit would take back. Watchers
// are fed after each commit.
//
// An update does not copy the previous value into its row (old_value, kept for databases written
// before): a watch replay reads it from the row its prev_revision names, which compaction keeps
// for as long as the newer row can be replayed.

import { DatabaseSync, type StatementSync } from 'node:sqlite';
import {
  StoreError,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Store,
  type WatchEvent,
  type WatchHandlers,
  type Watcher,
} from './store.ts';

/** One change in the log, as stored. */
interface Row {
  id: number;
  name: string;
  created: number;
  deleted: number;
  create_revision: number;
  prev_revision: number;
  value: string;
  old_value: string | null;
}

/** A row as a replay reads it: with the value of the row it replaced (absent for creates). */
interface ReplayRow extends Row {
  prev_value: string | null;
}

/** A change about to be appended, with the value it replaces (for the watch event, not stored). */
type Change = Omit<Row, 'id' | 'create_revision' | 'old_value'> & { create_revision?: number; prevValue?: string };

/** Writes of one turn of the event loop, sharing one transaction. */
interface Batch {
  /** The newest revision written in it so far. */
  revision: number;
  events: WatchEvent[];
  /** Settles when the transaction commits (or fails); everything done inside it waits for this. */
  done: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS kv (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    created INTEGER NOT NULL,
    deleted INTEGER NOT NULL,
    create_revision INTEGER NOT NULL,
    prev_revision INTEGER NOT NULL,
    value TEXT NOT NULL,
    old_value TEXT
  );
  CREATE UNIQUE INDEX IF NOT EXISTS kv_name_prev_revision ON kv (name, prev_revision);
  CREATE INDEX IF NOT EXISTS kv_name_id ON kv (name, id);
  CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
`;

/** A key range for a prefix read: keys in [prefix, prefixEnd) and, when paging, after startAfter. */
interface KeyRange {
  sql: string;
  params: Record<string, string>;
}

function keyRange(column: string, prefix: string, startAfter?: string): KeyRange {
  // One lower and one upper bound, so SQLite can walk the index over exactly this range.
  const params: Record<string, string> = {};
  let sql: string;
  if (startAfter !== undefined && startAfter >= prefix) {
    sql = `${column} > :lo`;
    params.lo = startAfter;
  } else {
    sql = `${column} >= :lo`;
    params.lo = prefix;
  }
  const hi = prefixEnd(prefix);
  if (hi !== '') {
    sql += ` AND ${column} < :hi`;
    params.hi = hi;
  }
  return { sql, params };
}

// The newest row of each key in a range at or below :rev, skipping deleted keys. Walking
// kv_name_id in key order lets LIMIT stop the scan early when paging.
function latestAt(range: KeyRange): string {
  return `FROM kv AS k
    WHERE ${range.sql}
      AND k.id = (SELECT MAX(h.id) FROM kv AS h WHERE h.name = k.name AND h.id <= :rev)
      AND k.deleted = 0`;
}

const SQLITE_CONSTRAINT = 19;
/** How many recently read or written rows are kept in memory, so hot keys are not read back from SQLite. */
const LATEST_ROWS_KEPT = 2048;

/**
 * Opens (creating if needed) the SQLite store at `path`. Synchronous: the database is ready when
 * this returns. Use ':memory:' for a throwaway store.
 */
export function openSqliteStore(path: string): Store {
  const db = new DatabaseSync(path);
  // auto_vacuum only takes effect before the first table exists, so set it before the schema.
  db.exec('PRAGMA auto_vacuum = INCREMENTAL');
  // WAL + NORMAL: a committed transaction survives the process being killed (not power loss).
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('PRAGMA busy_timeout = 5000');
  db.exec(SCHEMA);

  const statements = new Map<string, StatementSync>();
  const sql = (text: string): StatementSync => {
    let stmt = statements.get(text);
    if (!stmt) {
      stmt = db.prepare(text);
      statements.set(text, stmt);
    }
    return stmt;
  };

  let closed = false;
  let compactRevision = readMeta('compact_revision');
  const watchers = new Set<SqliteWatch>();
  let batch: Batch | undefined;
  let committedRevision = readSequence();
  /** The newest row of recently used keys (this process owns the file, so nobody else changes them). */
  const latest = new Map<string, Row>();

  function readMeta(name: string): number {
    const row = db.prepare('SELECT value FROM meta WHERE name = ?').get(name);
    return row ? Number(row.value) : 0;
  }

  function ensureOpen(): void {
    if (closed) throw new StoreError('Unavailable', 'sqlite store is closed');
  }

  function readSequence(): number {
    // sqlite_sequence keeps the highest id ever handed out, even after compaction removed that row.
    const row = sql("SELECT seq FROM sqlite_sequence WHERE name = 'kv'").get();
    return row ? Number(row.seq) : 0;
  }

  /** The newest revision, counting writes of the open transaction (whose readers wait for its commit). */
  function revisionNow(): number {
    return batch ? batch.revision : committedRevision;
  }

  function latestRow(key: string): Row | undefined {
    const kept = latest.get(key);
    if (kept) return kept;
    const row = sql('SELECT * FROM kv WHERE name = ? ORDER BY id DESC LIMIT 1').get(key) as Row | undefined;
    if (row) remember(row);
    return row;
  }

  function remember(row: Row): void {
    latest.delete(row.name); // re-inserted last: the Map's first key is the least recently used
    latest.set(row.name, row.old_value === null ? row : { ...row, old_value: null });
    if (latest.size > LATEST_ROWS_KEPT) latest.delete(latest.keys().next().value!);
  }

  // ---- group commit ----------------------------------------------------------------------

  /** The open transaction, or a new one committed at the end of this turn of the event loop. */
  function openBatch(): Batch {
    if (batch) return batch;
    db.exec('BEGIN IMMEDIATE');
    let resolve!: () => void;
    let reject!: (err: unknown) => void;
    const done = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
    done.catch(() => {}); // every operation of the batch sees a failure through its own await
    // Under BEGIN IMMEDIATE nobody else can write, so the sequence read now holds for the batch.
    batch = { revision: readSequence(), events: [], done, resolve, reject };
    setImmediate(commitBatch);
    return batch;
  }

  function commitBatch(): void {
    const b = batch;
    if (!b) return;
    batch = undefined;
    try {
      db.exec('COMMIT');
    } catch (err) {
      abandonBatch(b, err);
      return;
    }
    committedRevision = b.revision;
    for (const event of b.events) for (const watcher of watchers) watcher.offer(event);
    b.resolve();
  }

  /** The transaction failed as a whole: none of its writes happened, and nothing read in it holds. */
  function abandonBatch(b: Batch, err: unknown): void {
    if (batch === b) batch = undefined;
    try {
      if (db.isOpen && db.isTransaction) db.exec('ROLLBACK');
    } catch {
      // the rollback failing leaves nothing more to undo here
    }
    latest.clear();
    b.reject(new StoreError('Unavailable', `sqlite write failed: ${err instanceof Error ? err.message : String(err)}`));
  }

  /**
   * Runs one store operation now. When a transaction is open (this operation's write, or others
   * of the same turn), its outcome is handed out only once that transaction has committed.
   */
  async function settled<T>(operation: () => T): Promise<T> {
    ensureOpen();
    let value: T;
    try {
      value = operation();
    } catch (err) {
      if (batch) await batch.done;
      throw err;
    }
    if (batch) await batch.done;
    return value;
  }

  /** Resolves a requested read revision (0: latest), failing when compacted or in the future. */
  function readRevision(requested: number | undefined): number {
    const current = revisionNow();
    if (!requested) return current;
    if (requested < compactRevision) {
      throw new StoreError('Compacted', `revision ${requested} has been compacted`, { compactRevision });
    }
    if (requested > current) throw futureRevision(requested, current);
    return requested;
  }

  /** A transaction of its own (compaction), after the open batch has committed. */
  function inTransaction<T>(fn: () => T): T {
    commitBatch();
    db.exec('BEGIN IMMEDIATE');
    try {
      const result = fn();
      db.exec('COMMIT');
      return result;
    } catch (err) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw err;
    }
  }

  /** Appends one change to the open transaction; watchers get it once that commits. */
  function append(change: Change): Row {
    const b = openBatch();
    const id = b.revision + 1;
    const stored: Row = {
      id, name: change.name, created: change.created, deleted: change.deleted,
      create_revision: change.create_revision ?? id, prev_revision: change.prev_revision, value: change.value, old_value: null,
    };
    try {
      sql(
        `INSERT INTO kv (id, name, created, deleted, create_revision, prev_revision, value, old_value)
         VALUES (?, ?, ?, ?, ?, ?, ?, NULL)`,
      ).run(stored.id, stored.name, stored.created, stored.deleted, stored.create_revision, stored.prev_revision, stored.value);
    } catch (err) {
      // Some failures (disk full, I/O) end the whole transaction: then every write of it failed.
      if (!db.isTransaction) abandonBatch(b, err);
      // Only another process writing the same file can get here: someone appended after the
      // row we read. Report it the way the caller would have seen it had it read later.
      if (isConstraintError(err)) {
        latest.delete(change.name);
        const current = latestRow(change.name);
        if (change.created && current && !current.deleted) {
          throw keyExists(change.name);
        }
        throw new StoreError('Conflict', `the object ${change.name} has been modified`, {
          current: current && !current.deleted ? toKeyValue(current) : undefined,
        });
      }
      throw err;
    }
    b.revision = id;
    remember(stored);
    b.events.push(toEvent(stored, change.prevValue ?? null));
    return stored;
  }

  /** The live row for key, or NotFound / Conflict against expectedRevision. */
  function liveRow(key: string, expectedRevision: number | undefined): Row {
    const current = latestRow(key);
    if (!current || current.deleted) throw new StoreError('NotFound', `key ${key} not found`);
    if (expectedRevision !== undefined && current.id !== expectedRevision) {
      throw new StoreError(
        'Conflict',
        `the object ${key} has been modified: expected revision ${expectedRevision}, current ${current.id}`,
        { current: toKeyValue(current) },
      );
    }
    return current;
  }

  function listNow(prefix: string, opts: ListOptions): ListResult {
    const revision = readRevision(opts.revision);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : -1;
    const range = keyRange('k.name', prefix, opts.startAfter);
    const rows = sql(`SELECT k.* ${latestAt(range)} ORDER BY k.name LIMIT :limit`).all({
      ...range.params,
      rev: revision,
      limit: limit < 0 ? -1 : limit + 1,
    }) as unknown as Row[];
    const more = limit >= 0 && rows.length > limit;
    const items = (more ? rows.slice(0, limit) : rows).map(toKeyValue);
    const result: ListResult = { items, revision, more };
    if (more) {
      const rest = keyRange('k.name', prefix, items[items.length - 1].key);
      const counted = sql(`SELECT COUNT(*) AS n ${latestAt(rest)}`).get({ ...rest.params, rev: revision });
      result.remaining = Number(counted?.n ?? 0);
    }
    return result;
  }

  const store: Store = {
    async get(key) {
      ensureOpen();
      const row = latestRow(key);
      const kv = row && !row.deleted ? toKeyValue(row) : undefined;
      // Only a value written by the open transaction waits for its commit: a committed one is
      // answered at once, so a read-modify-write (a patch) is not held behind others' writes.
      if (batch && row && row.id > committedRevision) await batch.done;
      return kv;
    },

    list(prefix, opts: ListOptions = {}) {
      return settled(() => listNow(prefix, opts));
    },

    count(prefix) {
      return settled(() => {
        const range = keyRange('k.name', prefix);
        const counted = sql(`SELECT COUNT(*) AS n ${latestAt(range)}`).get({ ...range.params, rev: revisionNow() });
        return Number(counted?.n ?? 0);
      });
    },

    create(key, value) {
      return settled(() => {
        const previous = latestRow(key);
        if (previous && !previous.deleted) throw keyExists(key);
        const row = append({ name: key, created: 1, deleted: 0, prev_revision: previous?.id ?? 0, value });
        return toKeyValue(row);
      });
    },

    update(key, value, expectedRevision) {
      return settled(() => {
        const current = liveRow(key, expectedRevision);
        const row = append({
          name: key, created: 0, deleted: 0, create_revision: current.create_revision,
          prev_revision: current.id, value, prevValue: current.value,
        });
        return toKeyValue(row);
      });
    },

    delete(key, expectedRevision) {
      return settled(() => {
        const current = liveRow(key, expectedRevision);
        const row = append({
          name: key, created: 0, deleted: 1, create_revision: current.create_revision,
          prev_revision: current.id, value: current.value, prevValue: current.value,
        });
        return { prev: toKeyValue(current), revision: row.id };
      });
    },

    watch(prefix, afterRevision, handlers) {
      const watcher = new SqliteWatch(prefix, afterRevision, handlers, () => watchers.delete(watcher));
      if (closed) {
        watcher.fail(new StoreError('Unavailable', 'sqlite store is closed'));
        return watcher;
      }
      if (afterRevision < compactRevision) {
        watcher.fail(
          new StoreError('Compacted', `revision ${afterRevision} has been compacted`, { compactRevision }),
        );
        return watcher;
      }
      // Replay the log up to the last commit, then take live events (the open transaction's
      // come at its commit). Both happen in this synchronous call: no gap, no duplicate.
      const range = keyRange('k.name', prefix);
      const history = sql(
        `SELECT k.*, p.value AS prev_value FROM kv AS k LEFT JOIN kv AS p ON p.id = k.prev_revision
         WHERE k.id > :after AND k.id <= :committed AND ${range.sql} ORDER BY k.id`,
      ).all({ ...range.params, after: afterRevision, committed: committedRevision }) as unknown as ReplayRow[];
      for (const row of history) watcher.offer(toEvent(row, row.old_value ?? row.prev_value));
      watchers.add(watcher);
      return watcher;
    },

    async compact(revision) {
      ensureOpen();
      commitBatch(); // compaction is a transaction of its own
      if (revision <= compactRevision) return;
      const current = revisionNow();
      if (revision > current) throw futureRevision(revision, current);
      const from = compactRevision;
      inTransaction(() => {
        // A row is history once a newer row of the same key exists at or below `revision`: that
        // newer row names it in prev_revision. Deletion markers at or below it go too.
        sql(
          'DELETE FROM kv WHERE id IN (SELECT prev_revision FROM kv WHERE id > :from AND id <= :to)',
        ).run({ from, to: revision });
        sql('DELETE FROM kv WHERE deleted = 1 AND id > :from AND id <= :to').run({ from, to: revision });
        sql(
          `INSERT INTO meta (name, value) VALUES ('compact_revision', :to)
           ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
        ).run({ to: revision });
      });
      compactRevision = revision;
      latest.clear(); // deletion markers it kept in memory may be gone
      // Hand freed pages back to the file system and fold the WAL into the main file.
      db.exec('PRAGMA incremental_vacuum');
      db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    },

    currentRevision() {
      return settled(revisionNow);
    },

    compactedRevision() {
      return settled(() => compactRevision);
    },

    async close() {
      if (closed) return;
      commitBatch(); // what was written is kept; those waiting for it hear the outcome
      closed = true;
      for (const watcher of watchers) watcher.stop();
      watchers.clear();
      db.close();
    },
  };
  return store;
}

/** One watch: events queue up here and reach the handler on a later turn of the event loop. */
class SqliteWatch implements Watcher {
  private readonly prefix: string;
  /** Events at or below this revision were asked not to be sent. */
  private readonly after: number;
  private readonly handlers: WatchHandlers;
  private readonly onStop: () => void;
  private pending: WatchEvent[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private stopped = false;

  constructor(prefix: string, after: number, handlers: WatchHandlers, onStop: () => void) {
    this.prefix = prefix;
    this.after = after;
    this.handlers = handlers;
    this.onStop = onStop;
  }

  offer(event: WatchEvent): void {
    if (this.stopped || event.kv.modRevision <= this.after || !event.kv.key.startsWith(this.prefix)) return;
    this.pending.push(event);
    this.scheduled ??= setImmediate(() => this.flush());
  }

  fail(err: StoreError): void {
    this.scheduled ??= setImmediate(() => {
      if (this.stopped) return;
      this.stop();
      this.handlers.onError(err);
    });
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.scheduled) clearImmediate(this.scheduled);
    this.pending = [];
    this.onStop();
  }

  private flush(): void {
    this.scheduled = undefined;
    if (this.stopped || this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.handlers.onEvents(batch);
  }
}

function toKeyValue(row: Row): KeyValue {
  return { key: row.name, value: row.value, createRevision: row.create_revision, modRevision: row.id };
}

/** The watch event a log row stands for, given the value it replaced; the same for replayed and live rows. */
function toEvent(row: Row, prevValue: string | null): WatchEvent {
  const kv = toKeyValue(row);
  if (row.created) return { type: 'put', kv };
  const prevKv: KeyValue = {
    key: row.name,
    value: prevValue ?? '',
    createRevision: row.create_revision,
    modRevision: row.prev_revision,
  };
  return { type: row.deleted ? 'delete' : 'put', kv, prevKv };
}

/**
 * The smallest string greater than every string starting with prefix ('' when there is none).
 * SQLite compares TEXT as UTF-8 bytes, which orders like code points, so bump the last code point.
 */
export function prefixEnd(prefix: string): string {
  const points = Array.from(prefix);
  while (points.length > 0) {
    const last = points.pop()!.codePointAt(0)!;
    let next = last + 1;
    if (next >= 0xd800 && next <= 0xdfff) next = 0xe000; // skip surrogates: not valid code points
    if (next <= 0x10ffff) return points.join('') + String.fromCodePoint(next);
  }
  return '';
}

function keyExists(key: string): StoreError {
  return new StoreError('KeyExists', `key ${key} already exists`);
}

function futureRevision(requested: number, current: number): StoreError {
  // No dedicated code: like etcd's "future revision", the caller may retry once the store catches up.
  return new StoreError('Unavailable', `revision ${requested} is newer than the current revision ${current}`);
}

function isConstraintError(err: unknown): boolean {
  const errcode = (err as { errcode?: number } | null)?.errcode;
  return typeof errcode === 'number' && (errcode & 0xff) === SQLITE_CONSTRAINT;
}
