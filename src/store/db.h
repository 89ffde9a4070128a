/* The storage connection: the only door from Lotsen's domain to SQL.
 *
 * Domain code speaks SQL only through this interface, with `?` placeholders and bound
 * values, in SQLite's dialect. Behind it is a SQLite file (db.c) or a PostgreSQL server
 * (db_pg.c), where store/ translates the SQL (store/db_int.h lists the forms); what
 * cannot be translated (FTS5 search, INSERT OR REPLACE, rowid of an INTEGER PRIMARY KEY
 * table, PRAGMAs) is written per db_dialect() at the call site.
 */
#ifndef LOTSEN_STORE_DB_H
#define LOTSEN_STORE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;
struct stmt;

enum db_durability {
	DB_DURABLE_FULL = 0, /* fsync on every commit: an acknowledged write survives power loss */
	DB_DURABLE_NORMAL,   /* WAL without fsync per commit: survives a crash of Lotsen, not of the
	                        OS */
};

struct db_opts {
	enum db_durability durability;
	bool readonly; /* a worker's connection for long reports */
};

/* Step results besides errno values. */
enum { DB_ROW = -1, DB_DONE = -2 };

/* `path`: a SQLite file (":memory:" for a private in-memory database), or a PostgreSQL
 * URL (postgresql://… or postgres://…, libpq's form), where durability is the server's:
 * synchronous_commit=on, a COMMIT that returned is on disk. */
int db_open(struct db **dbp, const char *path, const struct db_opts *opts);
void db_close(struct db *db);

/* Run statements without parameters (schema, pragmas). */
int db_exec(struct db *db, const char *sql);

/* Prepare `sql`. Statements whose text is a string literal may be cached by address:
 * pass `cache` true only for SQL with static storage duration. */
int db_prepare(struct db *db, struct stmt **sp, const char *sql, bool cache);
/* Reset a cached statement for reuse, or free an uncached one. */
void stmt_done(struct stmt *s);

int stmt_bind_int(struct stmt *s, int idx, int64_t v);
int stmt_bind_double(struct stmt *s, int idx, double v);
int stmt_bind_text(struct stmt *s, int idx, const char *v); /* NULL binds SQL NULL */
int stmt_bind_blob(struct stmt *s, int idx, const void *p, size_t n);
int stmt_bind_null(struct stmt *s, int idx);
/* A nullable reference (or optional count): 0 binds SQL NULL ("none"), else the value. */
int stmt_bind_id(struct stmt *s, int idx, int64_t id);

/* DB_ROW, DB_DONE, or an errno value: EEXIST (unique), ENOENT (foreign key),
 * EINVAL (other constraint), EBUSY, EIO. */
int stmt_step(struct stmt *s);

/* One integer: the first column of the first row of `sql` with the integer parameters
 * bound in order, for lookups where "none" reads as 0 (no row, a NULL value, or a failed
 * query all give 0). `sql` must have static storage duration (the statement is cached).
 * db_scalar_int(db, "SELECT client_id FROM contacts WHERE id = ?", contact) binds each
 * argument as an int64_t; db_scalar_intv takes them as an array (n may be 0). */
int64_t db_scalar_intv(struct db *db, const char *sql, const int64_t *args, size_t n);
#define db_scalar_int(db, sql, ...)                                                                \
	db_scalar_intv((db), (sql), (const int64_t[]){__VA_ARGS__},                                \
	               sizeof((const int64_t[]){__VA_ARGS__}) / sizeof(int64_t))

int stmt_columns(const struct stmt *s);
const char *stmt_column_name(const struct stmt *s, int col);
bool stmt_is_null(const struct stmt *s, int col);
int64_t stmt_int(const struct stmt *s, int col);
double stmt_double(const struct stmt *s, int col);
const char *stmt_text(const struct stmt *s, int col); /* borrowed until the next step */
const void *stmt_blob(const struct stmt *s, int col, size_t *n);
bool stmt_col_is_int(const struct stmt *s, int col);
bool stmt_col_is_real(const struct stmt *s, int col);

/* Transactions nest: inner ones are savepoints, rolled back on their own. */
int db_begin(struct db *db);
int db_commit(struct db *db);
void db_rollback(struct db *db);
int64_t db_last_id(const struct db *db);
int db_changes(const struct db *db);
/* Rows changed since the connection opened: tells whether a request wrote anything. */
int64_t db_total_changes(const struct db *db);
int db_tx_depth(const struct db *db);

/* Group commit off the committing thread (durability=full). db_commit waits for the disk;
 * db_commit_nosync ends the outermost transaction without waiting, and nothing it wrote
 * may be acknowledged as stored until db_sync_start has been called after it and
 * db_sync_done returned 0. The fsync runs on the storage's sync thread; db_sync_fd
 * becomes readable when it is done. Without a sync thread (durability=normal, read-only
 * or in-memory connections) db_sync_fd is -1 and db_commit_nosync is db_commit. On
 * PostgreSQL there is none either: its COMMIT returns once the server has flushed its WAL
 * (synchronous_commit=on), so db_commit_nosync is db_commit, db_sync_fd is -1,
 * db_sync_busy false and db_sync_start/db_sync_done return EALREADY. */
int db_commit_nosync(struct db *db);
int db_sync_fd(const struct db *db);
bool db_sync_busy(const struct db *db);
/* 0: started; EALREADY: nothing committed since the last one; EBUSY: one is running. */
int db_sync_start(struct db *db);
/* The started fsync's result (0 or an errno value); EAGAIN while it runs (unless
 * `wait`), EALREADY when none was started. */
int db_sync_done(struct db *db, bool wait);
const char *db_errmsg(const struct db *db);
/* Copies of how long this connection's outermost COMMITs took and (durability=full) the
 * WAL's fsyncs, since it opened; the fsyncs stay empty without durability=full, where
 * SQLite syncs inside its checkpoints. For GET /metrics. */
struct metric_hist;
void db_metrics(struct db *db, struct metric_hist *commit, struct metric_hist *fsync);

/* What this connection's thread spent, in microseconds of wall time since it opened, on
 * its outermost COMMITs and, inside them, on WAL checkpoints it made itself. Compared
 * before and after a loop callback, it tells a callback that waited on the storage. */
struct db_costs {
	uint64_t commits, commit_us; /* outermost COMMITs */
	uint64_t ckpts, ckpt_us;     /* checkpoints the committing thread made itself */
	uint64_t bg_ckpts;           /* passes of the checkpoint thread */
};
void db_costs(const struct db *db, struct db_costs *out);

/* Whether the connection answers a query at all: 0, or the error (the health check). */
int db_ping(struct db *db);

/* Whether writes can be expected to succeed, without writing: 0; ENOSPC when the
 * database's file system has less than a few MB free (or the last write failed for want
 * of space and there is still none); EROFS when it is mounted read-only; EIO or EROFS
 * when the last write failed so and none succeeded since. The file system is looked at
 * once per second of `now` (seconds since the epoch). */
int db_writable(struct db *db, int64_t now);

/* Per-connection data a module keeps with the connection (the knowledge base's term
 * dictionary): one slot per key, owned by the connection once set, freed by db_close
 * (or when the slot is set again) with the `free_h` given. */
enum { DB_SLOT_KB = 0, DB_SLOT_MAIL, DB_SLOTS };
typedef void(db_slot_free_h)(void *p);
void *db_slot_get(const struct db *db, int key);
/* EINVAL for a key out of range (then `p` is not taken). */
int db_slot_set(struct db *db, int key, void *p, db_slot_free_h *free_h);

/* A budget for what this connection runs next, on the thread that runs it, until it is
 * set again; 0 (either) removes it. A statement over it stops: a read, or a write inside
 * a transaction that its caller rolls back as on any error.
 * - `work_ms`: the work a statement may do. On SQLite this thread's CPU time, which a
 *   busy machine does not stretch; past it stmt_step returns ETIMEDOUT (the statement is
 *   too much work: ask for less).
 * - `wait_ms`: the wall time in all; past it stmt_step returns EAGAIN (the machine, its
 *   disk or the database server is busy: asking again later may succeed). On PostgreSQL,
 *   where the work is the server's and not measured here, only this applies
 *   (statement_timeout), so a budget there never ends in ETIMEDOUT. */
void db_budget_set(struct db *db, int64_t work_ms, int64_t wait_ms);

/* The database file's path ("" for an in-memory database): where files kept beside the
 * database (mail, attachments) go by default. */
const char *db_filename(const struct db *db);

/* The SQLite handle, for the knowledge base's FTS5 tokenizer registration only; NULL on
 * PostgreSQL. */
void *db_native(struct db *db);

/* Which SQL the connection speaks, for the few statements that cannot be written once
 * (FTS5 search, rowid, INSERT OR REPLACE, PRAGMAs): see docs/architecture.md. */
enum db_dialect { DB_SQLITE = 0, DB_POSTGRES };
enum db_dialect db_dialect(const struct db *db);

/* A copy of the database file at `src` into the new file `dst` while the server keeps
 * writing (`lotsen backup`). SQLite's online backup copies the pages in steps from one
 * read snapshot (WAL: writers are never blocked), the copy must pass PRAGMA
 * integrity_check, and only then is it renamed to `dst`, so `dst` is never a partial
 * file. Errors: ENOENT (no database at src), EEXIST (dst exists and !force), EBADMSG
 * (src is not a database or the copy fails the check), EIO (reading or writing);
 * `why` says what, in English, for the operator. */
struct db_backup_info {
	int64_t pages; /* pages copied */
	int64_t bytes; /* size of the copy */
};
int db_backup(const char *src, const char *dst, bool force, struct db_backup_info *info, char *why,
              size_t whylen);

/* Numbered migrations of one module, applied in order inside one transaction each, and
 * recorded in schema_migrations (module, version) on either backend. `sql` is SQLite's
 * text; on PostgreSQL it runs through the translator (db_int.h). */
struct migration {
	int version;
	const char *name;
	const char *sql;
};
int db_migrate(struct db *db, const char *module, const struct migration *m, size_t n);

/* A migration's PostgreSQL text, where its DDL differs beyond what translation covers
 * (FTS5, triggers, tables named before they exist, writable_schema): it replaces the
 * migration of the same version there (and is translated too, so it may use INTEGER,
 * `?`-free SQLite forms). */
struct migration_pg {
	int version;
	const char *sql;
};
int db_migrate_pg(struct db *db, const char *module, const struct migration *m, size_t n,
                  const struct migration_pg *pg, size_t npg);

#endif
