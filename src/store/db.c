/* The storage connection on SQLite (WAL, foreign keys, cached statements), and the
 * dispatch to the PostgreSQL backend (db_pg.c) for a `postgresql://` URL: transactions'
 * nesting, the slots, the metrics and the migrations' bookkeeping are shared. */
#include "store/db.h"
#include "store/db_int.h"

#include <errno.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>

#include <sqlite3.h>

#include "base/log.h"
#include "base/metric.h"
#include "store/wal_sync.h"
#include "text/text.h"

#define STMT_CACHE 256        /* open-addressed by the SQL text's address */
#define DYN_CACHE  128        /* statements whose text is built at run time, cached by content */
#define CKPT_PAGES 4000       /* WAL pages (~16 MB) after which the checkpointer is woken */
#define CKPT_HARD  16000      /* WAL pages (~64 MB) past which the writer warns */
#define SPACE_MIN  (4u << 20) /* free bytes below which the database counts as not writable */

/* Checkpoints run on a thread of their own with its own connection: copying the WAL
 * into the database and its fsync took tens of milliseconds inside a commit, and the
 * loop answered nothing meanwhile. A PASSIVE checkpoint never blocks the writer, and the
 * writer only checkpoints itself past CKPT_HARD, when the thread could not catch up.
 *
 * The WAL only starts over when a write transaction begins with every frame already
 * copied back. Under steady writes the thread's first pass never gets there (the loop
 * commits while it copies), so past CKPT_PAGES the writer wakes the thread after every
 * commit it is not busy with: each further pass copies only the few frames committed
 * since the last, and after a pass that copied everything the thread starts the WAL over
 * itself (ckpt_restart), unless a reader still reads an older part of it. */
struct checkpointer {
	pthread_t thread;   /* runs ckpt_main */
	pthread_mutex_t mu; /* guards the fields below */
	pthread_cond_t cv;  /* signalled by the WAL hook and by db_close */
	bool wake;          /* the WAL is past CKPT_PAGES: the thread has work */
	bool busy;          /* woken and not yet finished */
	bool stop;          /* db_close is waiting for the thread */
	char *path;         /* the database file (owned) */
	bool full;          /* synchronous=FULL: fsync the checkpoint too */
	uint64_t passes;    /* checkpoints the thread made */
};

/* A statement whose SQL is built at run time (a table name, a savepoint depth): the
 * same text is parsed once per connection instead of once per use. */
struct dyn {
	char *sql;      /* the text (owned); NULL = free slot */
	uint64_t hash;  /* FNV-1a of the text */
	bool busy;      /* handed out and not yet done: a second user gets its own */
	struct stmt st; /* st.key points at sql */
};

struct db {
	sqlite3 *h;                          /* connection (SQLite), else NULL */
	struct pg *pg;                       /* connection (PostgreSQL), else NULL */
	struct stmt cache[STMT_CACHE];       /* statements prepared once, reset after use */
	int tx_depth;                        /* nested begin() calls share one transaction */
	struct checkpointer *ckpt;           /* NULL for read-only connections */
	struct wal_sync *sync;               /* durability=full: the WAL's fsync, else NULL */
	bool nosync;                         /* db_commit_nosync is committing */
	bool unsynced;                       /* committed with db_commit_nosync, not yet synced */
	struct dyn *dyn;                     /* statements cached by their text (DYN_CACHE) */
	void *slot[DB_SLOTS];                /* other modules' per-connection data (owned) */
	db_slot_free_h *slot_free[DB_SLOTS]; /* how to free each slot */
	struct metric_hist commit_hist;      /* durations of the outermost COMMITs */
	struct db_costs costs;               /* the same and the writer's checkpoints, summed */
	bool wal_warned;                     /* store.wal_large was logged for this WAL */
	int write_err;                       /* errno of the last write that failed, 0 after one
	                                        succeeded */
	int64_t tx_changes;                  /* total changes when the outer transaction began */
	int64_t work_end_ns;                 /* db_budget_set: this thread's CPU time end */
	int64_t work_from_ns;                /* CLOCK_MONOTONIC time it may first be reached */
	int64_t wait_end_ns;                 /* and the CLOCK_MONOTONIC end; 0: no budget */
	int budget_err;                      /* which ran out: ETIMEDOUT or EAGAIN, else 0 */
	int64_t fs_at;                       /* when (s) the file system was last looked at */
	int fs_err;                          /* then: ENOSPC below SPACE_MIN free, EROFS
	                                        mounted read-only, else 0 */
};

static int map_rc(sqlite3 *h, int rc)
{
	/* Extended result codes are on: the primary code is the low byte. */
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
		return 0;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return EBUSY;
	case SQLITE_CONSTRAINT:
		switch (rc == SQLITE_CONSTRAINT ? sqlite3_extended_errcode(h) : rc) {
		case SQLITE_CONSTRAINT_UNIQUE:
		case SQLITE_CONSTRAINT_PRIMARYKEY:
			return EEXIST;
		case SQLITE_CONSTRAINT_FOREIGNKEY:
			return ENOENT;
		default:
			return EINVAL;
		}
	case SQLITE_NOMEM:
		return ENOMEM;
	case SQLITE_READONLY:
		return EROFS;
	case SQLITE_FULL:
		return ENOSPC;
	case SQLITE_INTERRUPT:
		return ETIMEDOUT;
	default:
		return EIO;
	}
}

/* A write's outcome, for db_writable: a failure the disk caused is remembered until a
 * write succeeds. */
static void note_write(struct db *db, int err)
{
	if (err == ENOSPC || err == EIO || err == EROFS)
		db->write_err = err;
	else if (err == 0)
		db->write_err = 0;
}

/* After a pass that copied the whole WAL back: a write transaction of the thread's own
 * that begins while nothing is left to copy starts the WAL over (SQLite does so at the
 * first frame a writer writes then), so the loop's writer never has to catch up itself.
 * It rewrites the header's application id as it is, without an fsync (nothing changes),
 * holding the write lock well under a millisecond; a loop that begins a batch just then
 * sleeps in SQLite's busy handler (1 ms, rarely 2). No-op when a commit came in between. */
static void ckpt_restart(sqlite3 *h, bool full)
{
	sqlite3_stmt *st = NULL;
	char sql[48];
	int id = 0, rc;

	if (full)
		sqlite3_exec(h, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
	if (sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	rc = sqlite3_prepare_v2(h, "PRAGMA application_id", -1, &st, NULL);
	if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	snprintf(sql, sizeof(sql), "PRAGMA application_id=%d", id);
	if (rc == SQLITE_OK && sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK)
		rc = sqlite3_exec(h, "COMMIT", NULL, NULL, NULL);
	else
		rc = SQLITE_ERROR;
	if (rc != SQLITE_OK)
		sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
out:
	if (full)
		sqlite3_exec(h, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
}

static void *ckpt_main(void *arg)
{
	struct checkpointer *c = arg;
	sqlite3 *h = NULL;

	if (sqlite3_open_v2(c->path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		log_error("store.checkpointer", "path=\"%s\" error=\"cannot open\"", c->path);
		sqlite3_close(h);
		h = NULL;
	} else {
		sqlite3_busy_timeout(h, 1000);
		sqlite3_exec(h, c->full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL",
		             NULL, NULL, NULL);
	}
	pthread_mutex_lock(&c->mu);
	for (;;) {
		int log = 0, done = 0, rc = SQLITE_ERROR;

		while (!c->wake && !c->stop)
			pthread_cond_wait(&c->cv, &c->mu);
		if (c->stop)
			break;
		c->wake = false;
		pthread_mutex_unlock(&c->mu);
		if (h) {
			rc = sqlite3_wal_checkpoint_v2(h, NULL, SQLITE_CHECKPOINT_PASSIVE, &log,
			                               &done);
			if (rc != SQLITE_OK && rc != SQLITE_BUSY)
				log_error("store.checkpoint", "error=\"%s\"", sqlite3_errmsg(h));
			if (rc == SQLITE_OK && log > 0 && done == log)
				ckpt_restart(h, c->full);
		}
		pthread_mutex_lock(&c->mu);
		c->busy = false;
		c->passes++;
	}
	pthread_mutex_unlock(&c->mu);
	sqlite3_close(h);
	return NULL;
}

/* Called after every commit that wrote WAL frames, explicit or not. With a sync thread
 * the commit is made durable here (or marked for db_sync_start after db_commit_nosync);
 * an error makes the commit's statement report it, though the commit stays. Then the
 * checkpoint rounds. */
static int wal_hook(void *arg, sqlite3 *h, const char *name, int pages)
{
	struct db *db = arg;
	struct checkpointer *c = db->ckpt;

	if (db->sync && db->nosync) {
		db->unsynced = true;
	} else if (db->sync) {
		int err = wal_sync_now(db->sync);

		if (err) {
			log_error("store.sync", "error=\"%s\"", strerror(err));
			return SQLITE_IOERR_FSYNC;
		}
	}
	if (!c || pages < CKPT_PAGES) {
		db->wal_warned = false;
		return SQLITE_OK;
	}
	pthread_mutex_lock(&c->mu);
	if (!c->busy) {
		c->busy = c->wake = true;
		pthread_cond_signal(&c->cv);
	}
	pthread_mutex_unlock(&c->mu);
	if (pages >= CKPT_HARD) {
		/* The thread never found a moment between two commits (writes back to back
		 * without a pause) or readers held the WAL: the writer copies it back itself,
		 * as SQLite's own automatic checkpoint would, so the WAL stays bounded. Timed
		 * (db_costs) and told, as it holds the committing thread. */
		struct timespec t0, t1;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		sqlite3_wal_checkpoint_v2(h, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		db->costs.ckpts++;
		db->costs.ckpt_us += (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000 +
		                                (t1.tv_nsec - t0.tv_nsec) / 1000);
		if (!db->wal_warned)
			log_warn("store.wal_large", "pages=%d ckpt_ms=%.1f", pages,
			         (double)((t1.tv_sec - t0.tv_sec) * 1000000 +
			                  (t1.tv_nsec - t0.tv_nsec) / 1000) /
			                 1000.0);
		db->wal_warned = true;
	}
	return SQLITE_OK;
}

static void ckpt_stop(struct checkpointer *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	c->stop = true;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->thread, NULL);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	free(c->path);
	free(c);
}

static int ckpt_start(struct db *db, const char *path, bool full)
{
	struct checkpointer *c = calloc(1, sizeof(*c));

	if (!c)
		return ENOMEM;
	c->path = strdup(path);
	c->full = full;
	if (!c->path || pthread_mutex_init(&c->mu, NULL) != 0) {
		free(c->path);
		free(c);
		return ENOMEM;
	}
	pthread_cond_init(&c->cv, NULL);
	if (pthread_create(&c->thread, NULL, ckpt_main, c) != 0) {
		pthread_cond_destroy(&c->cv);
		pthread_mutex_destroy(&c->mu);
		free(c->path);
		free(c);
		return EAGAIN;
	}
	db->ckpt = c;
	/* Replaces SQLite's own automatic checkpoint in the committing thread. */
	sqlite3_wal_hook(db->h, wal_hook, db);
	return 0;
}

/* SQLite counts every allocation under a global mutex unless told not to; Lotsen reads
 * no SQLite memory statistics. Only possible before the library's first use. */
static void sqlite_configure(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int db_open(struct db **dbp, const char *path, const struct db_opts *opts)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct db *db;
	int flags, err = 0;
	char pragma[128];

	if (!dbp || !path)
		return EINVAL;
	db = calloc(1, sizeof(*db));
	if (!db)
		return ENOMEM;
	if (pg_is_url(path)) {
		err = pg_open(&db->pg, path, opts);
		if (err) {
			free(db);
			return err;
		}
		*dbp = db;
		return 0;
	}
	pthread_once(&once, sqlite_configure);
	flags = (opts && opts->readonly) ? SQLITE_OPEN_READONLY
	                                 : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &db->h, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		log_error("store.open", "path=\"%s\" error=\"%s\"", path,
		          db->h ? sqlite3_errmsg(db->h) : "out of memory");
		err = EIO;
		goto out;
	}
	sqlite3_busy_timeout(db->h, 5000);
	sqlite3_extended_result_codes(db->h, 1);
	/* Tables of every module may use the Swedish tokenizer (the case index does, in
	 * the core schema), so every connection has it from the start. */
	err = text_fts_register(db->h);
	if (err)
		goto out;
	if (!(opts && opts->readonly)) {
		err = db_exec(db, "PRAGMA journal_mode=WAL");
		if (err)
			goto out;
	}
	/* durability=full on a file: SQLite commits without an fsync of its own (NORMAL) and
	 * every commit is synced here instead, right away or on the sync thread. */
	if (!(opts && opts->readonly) && !(opts && opts->durability == DB_DURABLE_NORMAL) &&
	    strcmp(path, ":memory:") != 0) {
		const char *wal = sqlite3_filename_wal(sqlite3_db_filename(db->h, "main"));

		err = wal && *wal ? wal_sync_start(&db->sync, wal) : EINVAL;
		if (err)
			goto out;
	}
	snprintf(pragma, sizeof(pragma), "PRAGMA synchronous=%s",
	         (db->sync || (opts && opts->durability == DB_DURABLE_NORMAL)) ? "NORMAL" : "FULL");
	err = db_exec(db, pragma);
	if (!err)
		err = db_exec(db, "PRAGMA foreign_keys=ON");
	if (!err)
		err = db_exec(db, "PRAGMA temp_store=MEMORY");
	/* The WAL file shrinks back after a burst instead of keeping its largest size. */
	if (!err && !(opts && opts->readonly))
		err = db_exec(db, "PRAGMA journal_size_limit=67108864");
	if (!err && !(opts && opts->readonly) && strcmp(path, ":memory:") != 0)
		err = ckpt_start(db, path, !(opts && opts->durability == DB_DURABLE_NORMAL));
out:
	if (err) {
		db_close(db);
		return err;
	}
	*dbp = db;
	return 0;
}

void db_close(struct db *db)
{
	if (!db)
		return;
	ckpt_stop(db->ckpt);
	wal_sync_stop(db->sync);
	for (int i = 0; i < DB_SLOTS; i++)
		if (db->slot[i] && db->slot_free[i])
			db->slot_free[i](db->slot[i]);
	pg_close(db->pg);
	for (size_t i = 0; i < STMT_CACHE; i++)
		sqlite3_finalize(db->cache[i].st);
	for (size_t i = 0; db->dyn && i < DYN_CACHE; i++) {
		sqlite3_finalize(db->dyn[i].st.st);
		free(db->dyn[i].sql);
	}
	free(db->dyn);
	sqlite3_close(db->h);
	free(db);
}

void *db_slot_get(const struct db *db, int key)
{
	return key >= 0 && key < DB_SLOTS ? db->slot[key] : NULL;
}

int db_slot_set(struct db *db, int key, void *p, db_slot_free_h *free_h)
{
	if (key < 0 || key >= DB_SLOTS)
		return EINVAL;
	if (db->slot[key] && db->slot[key] != p && db->slot_free[key])
		db->slot_free[key](db->slot[key]);
	db->slot[key] = p;
	db->slot_free[key] = free_h;
	return 0;
}

int db_exec(struct db *db, const char *sql)
{
	char *msg = NULL;
	int rc;

	if (db->pg)
		return pg_exec(db->pg, sql);
	rc = sqlite3_exec(db->h, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		log_error("store.exec", "error=\"%s\"", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return map_rc(db->h, rc);
	}
	return 0;
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 14695981039346656037ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static int prepare_dyn(struct db *db, struct stmt **sp, const char *sql)
{
	uint64_t h = fnv1a(sql);
	struct dyn *free_slot = NULL, *d;
	struct stmt *s;
	int rc;

	if (!db->dyn) {
		db->dyn = calloc(DYN_CACHE, sizeof(*db->dyn));
		if (!db->dyn)
			return ENOMEM;
	}
	for (size_t i = 0; i < DYN_CACHE; i++) {
		d = &db->dyn[(h + i) % DYN_CACHE];
		if (!d->sql) {
			free_slot = d;
			break;
		}
		if (d->hash == h && strcmp(d->sql, sql) == 0) {
			if (d->busy)
				break; /* in use further up the stack: an uncached one below */
			d->busy = true;
			*sp = &d->st;
			return 0;
		}
	}
	if (free_slot && (free_slot->sql = strdup(sql)) != NULL) {
		rc = sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT,
		                        &free_slot->st.st, NULL);
		if (rc == SQLITE_OK) {
			free_slot->hash = h;
			free_slot->busy = true;
			free_slot->st.db = db;
			free_slot->st.key = free_slot->sql;
			*sp = &free_slot->st;
			return 0;
		}
		free(free_slot->sql);
		free_slot->sql = NULL;
		log_error("store.prepare", "error=\"%s\" sql=\"%.120s\"", sqlite3_errmsg(db->h),
		          sql);
		return map_rc(db->h, rc) ? map_rc(db->h, rc) : EIO;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return ENOMEM;
	rc = sqlite3_prepare_v3(db->h, sql, -1, 0, &s->st, NULL);
	if (rc != SQLITE_OK) {
		log_error("store.prepare", "error=\"%s\" sql=\"%.120s\"", sqlite3_errmsg(db->h),
		          sql);
		free(s);
		return map_rc(db->h, rc) ? map_rc(db->h, rc) : EIO;
	}
	s->db = db;
	*sp = s;
	return 0;
}

int db_prepare(struct db *db, struct stmt **sp, const char *sql, bool cache)
{
	struct stmt *s = NULL;
	size_t slot = 0;
	int rc;

	if (db->pg)
		return pg_prepare(db->pg, db, sp, sql, cache);
	if (cache) {
		slot = ((uintptr_t)sql >> 3) % STMT_CACHE;
		for (size_t i = 0; i < STMT_CACHE; i++) {
			struct stmt *c = &db->cache[(slot + i) % STMT_CACHE];
			if (c->key == sql) {
				*sp = c;
				return 0;
			}
			if (!c->key) {
				s = c;
				break;
			}
		}
	}
	if (!s && !cache)
		return prepare_dyn(db, sp, sql);
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return ENOMEM;
		cache = false;
	}
	rc = sqlite3_prepare_v3(db->h, sql, -1, cache ? SQLITE_PREPARE_PERSISTENT : 0, &s->st,
	                        NULL);
	if (rc != SQLITE_OK) {
		log_error("store.prepare", "error=\"%s\" sql=\"%.120s\"", sqlite3_errmsg(db->h),
		          sql);
		if (!cache)
			free(s);
		else
			s->st = NULL;
		return map_rc(db->h, rc) ? map_rc(db->h, rc) : EIO;
	}
	s->db = db;
	s->key = cache ? sql : NULL;
	*sp = s;
	return 0;
}

void stmt_done(struct stmt *s)
{
	if (!s)
		return;
	if (s->pg) {
		pg_stmt_done(s);
		return;
	}
	if (s->key) {
		sqlite3_reset(s->st);
		sqlite3_clear_bindings(s->st);
		if (s->db->dyn && s >= &s->db->dyn[0].st && s <= &s->db->dyn[DYN_CACHE - 1].st)
			((struct dyn *)((char *)s - offsetof(struct dyn, st)))->busy = false;
		return;
	}
	sqlite3_finalize(s->st);
	free(s);
}

int stmt_bind_int(struct stmt *s, int idx, int64_t v)
{
	if (s->pg)
		return pg_bind(s, idx, PG_INT, v, 0, NULL, 0);
	return map_rc(s->db->h, sqlite3_bind_int64(s->st, idx, v));
}

int stmt_bind_double(struct stmt *s, int idx, double v)
{
	if (s->pg)
		return pg_bind(s, idx, PG_DOUBLE, 0, v, NULL, 0);
	return map_rc(s->db->h, sqlite3_bind_double(s->st, idx, v));
}

int stmt_bind_text(struct stmt *s, int idx, const char *v)
{
	if (!v)
		return stmt_bind_null(s, idx);
	if (s->pg)
		return pg_bind(s, idx, PG_TEXT, 0, 0, v, 0);
	return map_rc(s->db->h, sqlite3_bind_text(s->st, idx, v, -1, SQLITE_TRANSIENT));
}

int stmt_bind_blob(struct stmt *s, int idx, const void *p, size_t n)
{
	if (s->pg)
		return pg_bind(s, idx, PG_BLOB, 0, 0, p, n);
	return map_rc(s->db->h, sqlite3_bind_blob(s->st, idx, p, (int)n, SQLITE_TRANSIENT));
}

int stmt_bind_null(struct stmt *s, int idx)
{
	if (s->pg)
		return pg_bind(s, idx, PG_NULL, 0, 0, NULL, 0);
	return map_rc(s->db->h, sqlite3_bind_null(s->st, idx));
}

int stmt_bind_id(struct stmt *s, int idx, int64_t id)
{
	return id ? stmt_bind_int(s, idx, id) : stmt_bind_null(s, idx);
}

int64_t db_scalar_intv(struct db *db, const char *sql, const int64_t *args, size_t n)
{
	struct stmt *s;
	int64_t v = 0;

	if (db_prepare(db, &s, sql, true))
		return 0;
	for (size_t i = 0; i < n; i++)
		stmt_bind_int(s, (int)i + 1, args[i]);
	if (stmt_step(s) == DB_ROW && !stmt_is_null(s, 0))
		v = stmt_int(s, 0);
	stmt_done(s);
	return v;
}

int db_ping(struct db *db)
{
	struct stmt *s;
	int err = db_prepare(db, &s, "SELECT 1", true);

	if (err)
		return err;
	err = stmt_step(s) == DB_ROW ? 0 : EIO;
	stmt_done(s);
	return err;
}

int stmt_step(struct stmt *s)
{
	int rc;

	if (s->pg) {
		rc = pg_step(s);
		/* The server's disk: full or read-only until a write succeeds again. */
		if (rc == ENOSPC || rc == EROFS)
			note_write(s->db, rc);
		else if (rc == DB_DONE && pg_changes(s->db->pg) > 0 && !pg_in_tx(s->db->pg))
			note_write(s->db, 0);
		return rc;
	}
	rc = sqlite3_step(s->st);

	if (rc == SQLITE_ROW)
		return DB_ROW;
	if (rc == SQLITE_DONE) {
		/* A write outside a transaction committed itself. */
		if (sqlite3_get_autocommit(s->db->h) && !sqlite3_stmt_readonly(s->st) &&
		    sqlite3_changes(s->db->h) > 0)
			note_write(s->db, 0);
		return DB_DONE;
	}
	rc = map_rc(s->db->h, rc);
	if (rc == ETIMEDOUT && s->db->budget_err)
		rc = s->db->budget_err;
	if (!sqlite3_stmt_readonly(s->st))
		note_write(s->db, rc);
	if (rc != EEXIST && rc != ENOENT && rc != EINVAL && rc != ETIMEDOUT && rc != EAGAIN)
		log_error("store.step", "error=\"%s\"", sqlite3_errmsg(s->db->h));
	return rc ? rc : EIO;
}

int stmt_columns(const struct stmt *s)
{
	if (s->pg)
		return pg_columns(s);
	return sqlite3_column_count(s->st);
}

const char *stmt_column_name(const struct stmt *s, int col)
{
	if (s->pg)
		return pg_column_name(s, col);
	return sqlite3_column_name(s->st, col);
}

bool stmt_is_null(const struct stmt *s, int col)
{
	if (s->pg)
		return pg_is_null(s, col);
	return sqlite3_column_type(s->st, col) == SQLITE_NULL;
}

bool stmt_col_is_int(const struct stmt *s, int col)
{
	if (s->pg)
		return pg_col_is_int(s, col);
	return sqlite3_column_type(s->st, col) == SQLITE_INTEGER;
}

bool stmt_col_is_real(const struct stmt *s, int col)
{
	if (s->pg)
		return pg_col_is_real(s, col);
	return sqlite3_column_type(s->st, col) == SQLITE_FLOAT;
}

int64_t stmt_int(const struct stmt *s, int col)
{
	if (s->pg)
		return pg_int(s, col);
	return sqlite3_column_int64(s->st, col);
}

double stmt_double(const struct stmt *s, int col)
{
	if (s->pg)
		return pg_double(s, col);
	return sqlite3_column_double(s->st, col);
}

const char *stmt_text(const struct stmt *s, int col)
{
	if (s->pg)
		return pg_text(s, col);
	return (const char *)sqlite3_column_text(s->st, col);
}

const void *stmt_blob(const struct stmt *s, int col, size_t *n)
{
	const void *p;

	if (s->pg)
		return pg_blob(s, col, n);
	p = sqlite3_column_blob(s->st, col);
	*n = (size_t)sqlite3_column_bytes(s->st, col);
	return p;
}

/* Nested transactions are savepoints: the HTTP loop wraps a whole turn of requests in one
 * transaction (group commit), and each request's own begin/rollback touches only its work. */
/* One transaction-control statement, parsed once per connection. */
static int tx_exec(struct db *db, const char *sql)
{
	struct stmt *s;
	int rc, err;

	if (db->pg)
		return pg_exec(db->pg, sql);
	err = prepare_dyn(db, &s, sql);
	if (err)
		return err;
	rc = sqlite3_step(s->st);
	err = rc == SQLITE_DONE ? 0 : map_rc(db->h, rc);
	if (err) {
		log_error("store.exec", "sql=\"%s\" error=\"%s\"", sql, sqlite3_errmsg(db->h));
		note_write(db, err);
	}
	stmt_done(s);
	return err;
}

int db_begin(struct db *db)
{
	char sql[32];
	int err;

	if (db->tx_depth == 0) {
		err = tx_exec(db, db->pg ? "BEGIN" : "BEGIN IMMEDIATE");
		db->tx_changes = db_total_changes(db);
	} else {
		snprintf(sql, sizeof(sql), "SAVEPOINT s%d", db->tx_depth);
		err = tx_exec(db, sql);
	}
	if (!err)
		db->tx_depth++;
	return err;
}

int db_commit(struct db *db)
{
	char sql[32];
	int err;

	if (db->tx_depth == 0)
		return EINVAL;
	db->tx_depth--;
	if (db->tx_depth == 0) {
		struct timespec t0, t1;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		err = tx_exec(db, "COMMIT");
		clock_gettime(CLOCK_MONOTONIC, &t1);
		metric_hist_observe(&db->commit_hist,
		                    (double)(t1.tv_sec - t0.tv_sec) +
		                            (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
		db->costs.commits++;
		db->costs.commit_us += (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000 +
		                                  (t1.tv_nsec - t0.tv_nsec) / 1000);
		/* Only a commit that wrote something tells that the disk takes writes. */
		if (!err && db_total_changes(db) != db->tx_changes)
			note_write(db, 0);
		return err;
	}
	snprintf(sql, sizeof(sql), "RELEASE s%d", db->tx_depth);
	return tx_exec(db, sql);
}

int db_commit_nosync(struct db *db)
{
	int err;

	db->nosync = db->tx_depth == 1;
	err = db_commit(db);
	db->nosync = false;
	return err;
}

void db_costs(const struct db *db, struct db_costs *out)
{
	*out = db->costs;
	if (db->ckpt) {
		pthread_mutex_lock(&db->ckpt->mu);
		out->bg_ckpts = db->ckpt->passes;
		pthread_mutex_unlock(&db->ckpt->mu);
	}
}

void db_metrics(struct db *db, struct metric_hist *commit, struct metric_hist *fsync)
{
	*commit = db->commit_hist;
	if (db->sync)
		wal_sync_hist(db->sync, fsync);
	else
		memset(fsync, 0, sizeof(*fsync));
}

int db_sync_fd(const struct db *db)
{
	return db->sync ? wal_sync_fd(db->sync) : -1;
}

bool db_sync_busy(const struct db *db)
{
	return db->sync && wal_sync_busy(db->sync);
}

int db_sync_start(struct db *db)
{
	int err;

	if (!db->sync || !db->unsynced)
		return EALREADY;
	err = wal_sync_kick(db->sync); /* a WAL it cannot open is logged there */
	if (!err)
		db->unsynced = false;
	return err;
}

int db_sync_done(struct db *db, bool wait)
{
	int err = db->sync ? wal_sync_done(db->sync, wait) : EALREADY;

	if (err && err != EAGAIN && err != EALREADY) {
		log_error("store.sync", "error=\"%s\"", strerror(err));
		note_write(db, err);
	}
	return err;
}

/* Whether a transaction is open on the connection, whoever opened it. */
static bool in_tx(const struct db *db)
{
	return db->pg ? pg_in_tx(db->pg) : !sqlite3_get_autocommit(db->h);
}

void db_rollback(struct db *db)
{
	char sql[64];

	if (db->tx_depth == 0) { /* e.g. after a failed COMMIT that left the transaction open */
		if (in_tx(db))
			db_exec(db, "ROLLBACK");
		return;
	}
	db->tx_depth--;
	if (db->tx_depth == 0) {
		if (in_tx(db))
			db_exec(db, "ROLLBACK");
		return;
	}
	snprintf(sql, sizeof(sql), "ROLLBACK TO s%d", db->tx_depth);
	tx_exec(db, sql);
	snprintf(sql, sizeof(sql), "RELEASE s%d", db->tx_depth);
	tx_exec(db, sql);
}

int db_writable(struct db *db, int64_t now)
{
	const char *path = db->pg ? NULL : sqlite3_db_filename(db->h, "main");
	struct statvfs sv;

	if (path && *path && now != db->fs_at) {
		db->fs_at = now;
		db->fs_err = 0;
		/* A file system remounted read-only after errors takes no write at all. */
		if (statvfs(path, &sv) == 0)
			db->fs_err = (sv.f_flag & ST_RDONLY)                           ? EROFS
			             : (uint64_t)sv.f_bavail * sv.f_frsize < SPACE_MIN ? ENOSPC
			                                                               : 0;
		/* Room again: the writes that failed for want of it would succeed now. */
		if (db->fs_err != ENOSPC && db->write_err == ENOSPC)
			db->write_err = 0;
	}
	return db->fs_err ? db->fs_err : db->write_err;
}

int64_t db_total_changes(const struct db *db)
{
	if (db->pg)
		return pg_total_changes(db->pg);
	return sqlite3_total_changes64(db->h);
}

int db_tx_depth(const struct db *db)
{
	return db->tx_depth;
}

int64_t db_last_id(const struct db *db)
{
	if (db->pg)
		return pg_last_id(db->pg);
	return sqlite3_last_insert_rowid(db->h);
}

int db_changes(const struct db *db)
{
	if (db->pg)
		return pg_changes(db->pg);
	return sqlite3_changes(db->h);
}

const char *db_errmsg(const struct db *db)
{
	if (db->pg)
		return pg_errmsg(db->pg);
	return sqlite3_errmsg(db->h);
}

void *db_native(struct db *db)
{
	return db->h;
}

enum db_dialect db_dialect(const struct db *db)
{
	return db->pg ? DB_POSTGRES : DB_SQLITE;
}

const char *db_filename(const struct db *db)
{
	const char *f = db->pg ? NULL : sqlite3_db_filename(db->h, "main");

	return f ? f : "";
}

int db_migrate(struct db *db, const char *module, const struct migration *m, size_t n)
{
	return db_migrate_pg(db, module, m, n, NULL, 0);
}

int db_migrate_pg(struct db *db, const char *module, const struct migration *m, size_t n,
                  const struct migration_pg *pg, size_t npg)
{
	struct stmt *s;
	int64_t have = 0;
	int err;

	err = db_exec(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	                  " module TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL,"
	                  " applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,"
	                  " PRIMARY KEY (module, version)) STRICT");
	if (err)
		return err;
	err = db_prepare(db, &s,
	                 "SELECT COALESCE(MAX(version),0) FROM schema_migrations WHERE module=?",
	                 false);
	if (err)
		return err;
	stmt_bind_text(s, 1, module);
	if (stmt_step(s) == DB_ROW)
		have = stmt_int(s, 0);
	stmt_done(s);

	for (size_t i = 0; i < n; i++) {
		if (m[i].version <= have)
			continue;
		err = db_begin(db);
		if (err)
			return err;
		const char *sql = m[i].sql;

		/* PostgreSQL runs the migration's own text for it when its DDL differs. */
		for (size_t j = 0; db->pg && j < npg; j++)
			if (pg[j].version == m[i].version)
				sql = pg[j].sql;
		err = db_exec(db, sql);
		if (!err)
			err = db_prepare(
			        db, &s,
			        "INSERT INTO schema_migrations(module,version,name) VALUES(?,?,?)",
			        false);
		if (!err) {
			stmt_bind_text(s, 1, module);
			stmt_bind_int(s, 2, m[i].version);
			stmt_bind_text(s, 3, m[i].name);
			err = stmt_step(s) == DB_DONE ? 0 : EIO;
			stmt_done(s);
		}
		if (!err)
			err = db_commit(db);
		if (err) {
			db_rollback(db);
			log_error("store.migrate", "module=%s version=%d name=\"%s\" failed",
			          module, m[i].version, m[i].name);
			return err;
		}
		log_info("store.migrate", "module=%s version=%d name=\"%s\"", module, m[i].version,
		         m[i].name);
	}
	return 0;
}

/* ======================================================================
 * Time budget
 * ====================================================================== */

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Called every BUDGET_STEPS virtual machine steps of a statement: the work is this
 * thread's CPU time, which a busy machine does not stretch (a thread waiting for a core
 * uses none); the wall time is checked too, for a statement that waits on the disk. A
 * thread's CPU time cannot pass the wall time, so its clock (a system call, some µs here:
 * docs/benchmarks.md) is read only once the work budget's wall time has gone by. */
#define BUDGET_STEPS 10000
static int budget_h(void *arg)
{
	struct db *db = arg;
	int64_t now;

	if (!db->wait_end_ns)
		return 0;
	now = clock_ns(CLOCK_MONOTONIC);
	if (now >= db->work_from_ns && clock_ns(CLOCK_THREAD_CPUTIME_ID) > db->work_end_ns)
		db->budget_err = ETIMEDOUT;
	else if (now > db->wait_end_ns)
		db->budget_err = EAGAIN;
	return db->budget_err != 0;
}

void db_budget_set(struct db *db, int64_t work_ms, int64_t wait_ms)
{
	int64_t start;

	if (db->pg) {
		pg_budget(db->pg, wait_ms);
		return;
	}
	db->budget_err = 0;
	if (work_ms <= 0 || wait_ms <= 0) {
		db->wait_end_ns = 0;
		sqlite3_progress_handler(db->h, 0, NULL, NULL);
		return;
	}
	start = clock_ns(CLOCK_MONOTONIC);
	db->work_end_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID) + work_ms * 1000000;
	db->work_from_ns = start + work_ms * 1000000;
	db->wait_end_ns = start + wait_ms * 1000000;
	/* Ten thousand virtual machine steps are about a tenth of a millisecond of CPU
	 * (bench_budget: 100 000 to 135 000 a millisecond here). */
	sqlite3_progress_handler(db->h, BUDGET_STEPS, budget_h, db);
}
