/* PostgreSQL implementation of the storage connection (libpq): `--db postgresql://…`.
 *
 * The domain's SQL is SQLite's dialect; pg_sql.c translates it once per statement, and
 * the statement is prepared on the server at its first step (named, kept per connection
 * like SQLite's cached statements). Values travel as text, blobs in binary; results come
 * back as text and are converted on reading.
 *
 * Differences from SQLite the domain must not notice, and how they are hidden:
 * - A failed statement aborts a PostgreSQL transaction; in SQLite only the statement is
 *   undone and the transaction goes on (a caller may take EEXIST and try an UPDATE). So
 *   inside a transaction every writing statement runs in a savepoint of its own.
 * - SQLite's last insert rowid: an INSERT into a table with an identity column gets a
 *   `RETURNING <that column>` added (looked up once per table in the catalog); the rows it
 *   returns are read here and never reach the caller, whose step sees DB_DONE as on SQLite.
 * - Durability: synchronous_commit=on, so a COMMIT that returned is on the server's disk
 *   (and its synchronous standbys'). There is no WAL of Lotsen's to fsync: db_sync_fd is
 *   -1 and db_commit_nosync is db_commit (see db.h).
 */
#include "store/db_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libpq-fe.h>

#include "base/log.h"

#define PG_CACHE    512 /* statements per connection, by SQL address or by text */
#define OID_BOOL    16
#define OID_BYTEA   17
#define OID_INT8    20
#define OID_INT2    21
#define OID_INT4    23
#define OID_TEXT    25
#define OID_FLOAT4  700
#define OID_FLOAT8  701
#define OID_NUMERIC 1700

struct pg_stmt {
	struct stmt base;    /* what db.c hands out; base.pg is true */
	struct pg *pg;       /* the connection */
	struct pg_sql q;     /* the translated SQL */
	char *run;           /* q.text, with the RETURNING added for the id; owned */
	bool returning_id;   /* `run` returns the new rows' identity: rows are read here */
	char name[16];       /* the server's name for it, "" until prepared */
	int nparams;         /* slots below */
	char **val;          /* bound values (owned), NULL = SQL NULL */
	int *len;            /* lengths (blobs) */
	int *fmt;            /* 1 binary (blobs), 0 text */
	Oid *type;           /* OID_BYTEA for blobs, else 0: the server infers */
	unsigned char *kind; /* enum pg_type of each bound value */
	bool explicit_types; /* some parameters prepared with their values' types (prepare) */
	PGresult *res;       /* the executed statement's rows, NULL before a step */
	int row, nrows;      /* the current row, how many */
	bool done;           /* DB_DONE was returned: the next step runs it again */
	unsigned char *blob; /* the last blob decoded (PQunescapeBytea) */
	const char *addr;    /* cached by this SQL address, else NULL */
	uint64_t hash;       /* cached by text: FNV-1a of it */
	bool cached, busy;   /* kept in the connection's cache; handed out now */
};

struct ident {
	char table[64]; /* a table's name */
	char col[64];   /* its identity column, "" if none */
};

struct pg {
	PGconn *c;                       /* connection */
	struct pg_stmt *cache[PG_CACHE]; /* open-addressed */
	unsigned next_name;              /* server-side statement names s1, s2, … */
	struct ident *ident;             /* identity columns seen */
	size_t nident;
	int64_t last_id;     /* the last INSERT's identity value */
	int changes;         /* rows the last INSERT/UPDATE/DELETE changed */
	int64_t total;       /* and all since open */
	int last_err;        /* errno of the last failed statement */
	char errmsg[256];    /* its message */
	int64_t deadline_ns; /* db_budget_set */
	bool timeout_set;    /* statement_timeout is not 0 on the server */
	bool writer;         /* this transaction holds the writers' lock (WRITERS_LOCK) */
};

/* Transactions that write take this advisory lock (pg_advisory_xact_lock, per database)
 * with their first write and hold it until they end. Several nodes on one database batch
 * many requests in one transaction each (group commit), and their requests touch the same
 * rollup rows in different orders: without the lock two nodes' batches deadlock, and
 * PostgreSQL aborts one after deadlock_timeout. With it the nodes' writing batches take
 * turns (each holds it for the milliseconds of one batch). Alone, a node takes it
 * uncontended, in the same round trip as its first write. */
#define WRITERS_LOCK "SELECT pg_advisory_xact_lock(7813586423661735251)"

bool pg_is_url(const char *path)
{
	return path &&
	       (strncmp(path, "postgresql://", 13) == 0 || strncmp(path, "postgres://", 11) == 0);
}

/* SQLSTATE → the errno values SQLite's path gives (db.h: stmt_step). */
static int map_state(const char *st)
{
	if (!st)
		return EIO;
	if (strcmp(st, "23505") == 0)
		return EEXIST;
	if (strcmp(st, "23503") == 0)
		return ENOENT;
	if (strncmp(st, "23", 2) == 0) /* not null, check, exclusion */
		return EINVAL;
	if (strcmp(st, "22P02") == 0 || strcmp(st, "22003") == 0) /* bad value for a type */
		return EINVAL;
	if (strcmp(st, "57014") == 0)
		return ETIMEDOUT;
	if (strcmp(st, "40001") == 0 || strcmp(st, "40P01") == 0 || strcmp(st, "55P03") == 0)
		return EBUSY;
	if (strcmp(st, "53100") == 0)
		return ENOSPC;
	if (strcmp(st, "53200") == 0)
		return ENOMEM;
	if (strcmp(st, "25006") == 0)
		return EROFS;
	return EIO;
}

static int result_err(struct pg *p, PGresult *r)
{
	const char *msg = r ? PQresultErrorMessage(r) : PQerrorMessage(p->c);
	int err = map_state(r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL);

	/* A statement_timeout of a budget: the wall time ran out (db.h: db_budget_set). */
	if (err == ETIMEDOUT && p->deadline_ns)
		err = EAGAIN;
	snprintf(p->errmsg, sizeof(p->errmsg), "%s", msg && *msg ? msg : "connection lost");
	p->errmsg[strcspn(p->errmsg, "\n")] = '\0';
	p->last_err = err;
	return err;
}

static bool ok(PGresult *r)
{
	ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;

	return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

/* One command without parameters, untranslated (savepoints, settings). */
static int raw(struct pg *p, const char *sql)
{
	PGresult *r = PQexec(p->c, sql);
	int err = ok(r) ? 0 : result_err(p, r);

	if (err)
		log_error("store.exec", "sql=\"%.120s\" error=\"%s\"", sql, p->errmsg);
	PQclear(r);
	return err;
}

static void notice_h(void *arg, const char *msg)
{
	(void)arg;
	log_debug("store.notice", "msg=\"%.200s\"", msg);
}

/* Functions SQLite has built in that the domain's SQL and schema use, defined once per
 * database (idempotent; a concurrent second node may lose the race harmlessly). */
static const char shims[] =
        "CREATE OR REPLACE FUNCTION json_valid(t text) RETURNS boolean LANGUAGE plpgsql"
        " IMMUTABLE STRICT AS $$ BEGIN PERFORM t::json; RETURN true;"
        " EXCEPTION WHEN others THEN RETURN false; END $$;"
        "CREATE OR REPLACE FUNCTION unixepoch() RETURNS bigint LANGUAGE sql VOLATILE AS"
        " $$ SELECT floor(extract(epoch FROM clock_timestamp()))::bigint $$;"
        /* SQLite's json_each over a text: an array's elements or an object's members */
        "CREATE OR REPLACE FUNCTION json_each(t text) RETURNS TABLE(key text, value text)"
        " LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN"
        " IF json_typeof(t::json) = 'array' THEN RETURN QUERY SELECT (a.o - 1)::text, a.v"
        " FROM json_array_elements_text(t::json) WITH ORDINALITY AS a(v, o);"
        " ELSIF json_typeof(t::json) = 'object' THEN RETURN QUERY SELECT e.key, e.value"
        " FROM json_each_text(t::json) AS e; END IF; END $$;"
        "CREATE OR REPLACE FUNCTION json_array_length(t text) RETURNS int LANGUAGE sql"
        " IMMUTABLE STRICT AS $$ SELECT json_array_length(t::json) $$;"
        /* SUM(a = b): SQLite's comparisons are integers to add up (NULL over no rows) */
        "CREATE OR REPLACE FUNCTION lotsen_sum_bool(bigint, boolean) RETURNS bigint"
        " LANGUAGE sql IMMUTABLE AS"
        " $$ SELECT CASE WHEN $2 IS NULL THEN $1 ELSE coalesce($1, 0) + $2::int END $$;"
        "CREATE OR REPLACE AGGREGATE sum(boolean) (SFUNC = lotsen_sum_bool, STYPE = bigint);"
        /* COLLATE NOCASE: equal regardless of letter case (ICU's level 2: accents count) */
        "CREATE COLLATION IF NOT EXISTS nocase (provider = icu, locale = 'und-u-ks-level2',"
        " deterministic = false);"
        /* the marker pg_open looks for: raise its number with every change above */
        "CREATE OR REPLACE FUNCTION lotsen_shims_4() RETURNS int LANGUAGE sql AS $$ SELECT 4 $$;";

int pg_open(struct pg **pp, const char *url, const struct db_opts *opts)
{
	struct pg *p = calloc(1, sizeof(*p));
	int err = 0;

	if (!p)
		return ENOMEM;
	p->c = PQconnectdb(url);
	if (!p->c || PQstatus(p->c) != CONNECTION_OK) {
		/* the URL may hold a password: only the server's words are logged */
		const char *msg = p->c ? PQerrorMessage(p->c) : "out of memory";

		log_error("store.open", "backend=postgresql error=\"%s\"", msg);
		/* What the operator reads on the command line: a role without the right to this
		 * database (another municipality's) or a wrong password, a database that does
		 * not exist, or the server out of reach. */
		err = strstr(msg, "permission denied") || strstr(msg, "authentication failed")
		              ? EACCES
		      : strstr(msg, "does not exist") ? ENOENT
		                                      : EHOSTUNREACH;
		goto out;
	}
	PQsetNoticeProcessor(p->c, notice_h, NULL);
	/* Durable when COMMIT returns, whatever the server's default. */
	err = raw(p, "SET synchronous_commit = on");
	if (!err)
		err = raw(p, "SET client_encoding = 'UTF8'");
	if (!err)
		err = raw(p, "SET client_min_messages = warning");
	/* A row another connection holds is waited for as long as SQLite's busy timeout,
	 * then EBUSY (55P03), never for ever: two connections of one process (the loop's
	 * open batch and a worker's) must not wait on each other without end. */
	if (!err)
		err = raw(p, "SET lock_timeout = 5000");
	if (!err && opts && opts->readonly)
		err = raw(p, "SET default_transaction_read_only = on");
	if (!err && !(opts && opts->readonly)) {
		PGresult *r =
		        PQexec(p->c, "SELECT 1 FROM pg_proc WHERE proname = 'lotsen_shims_4'");
		bool have = r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0;
		PQclear(r);
		if (!have)
			err = raw(p, shims);
	}
out:
	if (err) {
		pg_close(p);
		return err;
	}
	*pp = p;
	return 0;
}

static void stmt_clear_binds(struct pg_stmt *s)
{
	for (int i = 0; i < s->nparams; i++) {
		free(s->val[i]);
		s->val[i] = NULL;
		s->len[i] = 0;
		s->fmt[i] = 0;
	}
}

static void stmt_reset(struct pg_stmt *s)
{
	PQclear(s->res);
	s->res = NULL;
	PQfreemem(s->blob);
	s->blob = NULL;
	s->row = s->nrows = 0;
	s->done = false;
}

static void stmt_free(struct pg_stmt *s)
{
	if (!s)
		return;
	stmt_reset(s);
	stmt_clear_binds(s);
	if (s->name[0] && s->pg->c && PQstatus(s->pg->c) == CONNECTION_OK) {
		char sql[48];
		snprintf(sql, sizeof(sql), "DEALLOCATE %s", s->name);
		PQclear(PQexec(s->pg->c, sql));
	}
	free(s->val);
	free(s->len);
	free(s->fmt);
	free(s->type);
	free(s->kind);
	free(s->run);
	if (s->cached && !s->addr)
		free((char *)s->base.key);
	pg_sql_free(&s->q);
	free(s);
}

void pg_close(struct pg *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < PG_CACHE; i++) {
		if (p->cache[i]) {
			p->cache[i]->name[0] = '\0'; /* the session's end drops them */
			stmt_free(p->cache[i]);
		}
	}
	free(p->ident);
	PQfinish(p->c);
	free(p);
}

/* db_exec: several statements, no parameters; translated. */
int pg_exec(struct pg *p, const char *sql)
{
	struct pg_sql q;
	int err = pg_sql_translate(sql, &q);

	/* A new transaction holds no lock yet; a rollback to a savepoint may have let it go. */
	if (strncasecmp(sql, "BEGIN", 5) == 0 || strncasecmp(sql, "ROLLBACK", 8) == 0)
		p->writer = false;

	if (err)
		return err;
	err = raw(p, q.text);
	pg_sql_free(&q);
	return err;
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 14695981039346656037ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* The identity column of `table`, looked up in the catalog once per connection. */
static const char *identity_of(struct pg *p, const char *table)
{
	const char *params[1] = {table};
	struct ident *ni;
	PGresult *r;

	for (size_t i = 0; i < p->nident; i++)
		if (strcmp(p->ident[i].table, table) == 0)
			return p->ident[i].col;
	r = PQexecParams(
	        p->c,
	        "SELECT a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
	        " WHERE c.relname = lower($1) AND pg_table_is_visible(c.oid)"
	        " AND a.attidentity <> '' AND a.attnum > 0",
	        1, NULL, params, NULL, NULL, 0);
	if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
		PQclear(r);
		return "";
	}
	ni = realloc(p->ident, (p->nident + 1) * sizeof(*ni));
	if (!ni) {
		PQclear(r);
		return "";
	}
	p->ident = ni;
	ni = &p->ident[p->nident++];
	snprintf(ni->table, sizeof(ni->table), "%s", table);
	snprintf(ni->col, sizeof(ni->col), "%s", PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "");
	PQclear(r);
	return ni->col;
}

static int stmt_new(struct pg *p, struct db *db, const char *sql, struct pg_stmt **sp)
{
	struct pg_stmt *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return ENOMEM;
	s->pg = p;
	s->base.db = db;
	s->base.pg = true;
	err = pg_sql_translate(sql, &s->q);
	if (err) {
		free(s);
		return err;
	}
	if (s->q.insert && s->q.table[0]) {
		const char *col = identity_of(p, s->q.table);
		if (*col) {
			size_t n = strlen(s->q.text);
			while (n > 0 && (s->q.text[n - 1] == ';' || s->q.text[n - 1] == ' ' ||
			                 s->q.text[n - 1] == '\n'))
				n--;
			s->run = malloc(n + strlen(col) + 16);
			if (s->run) {
				memcpy(s->run, s->q.text, n);
				snprintf(s->run + n, strlen(col) + 16, " RETURNING %s", col);
				s->returning_id = true;
			}
		}
	}
	if (!s->run)
		s->run = strdup(s->q.text);
	s->nparams = s->q.nparams;
	if (s->nparams > 0) {
		s->val = calloc((size_t)s->nparams, sizeof(*s->val));
		s->len = calloc((size_t)s->nparams, sizeof(*s->len));
		s->fmt = calloc((size_t)s->nparams, sizeof(*s->fmt));
		s->type = calloc((size_t)s->nparams, sizeof(*s->type));
		s->kind = calloc((size_t)s->nparams, sizeof(*s->kind));
	}
	if (!s->run ||
	    (s->nparams > 0 && (!s->val || !s->len || !s->fmt || !s->type || !s->kind))) {
		stmt_free(s);
		return ENOMEM;
	}
	*sp = s;
	return 0;
}

int pg_prepare(struct pg *p, struct db *db, struct stmt **sp, const char *sql, bool cache)
{
	uint64_t h = cache ? (uint64_t)((uintptr_t)sql >> 3) : fnv1a(sql);
	struct pg_stmt *s, **slot = NULL;
	int err;

	for (size_t i = 0; i < PG_CACHE; i++) {
		struct pg_stmt **c = &p->cache[(h + i) % PG_CACHE];
		if (!*c) {
			slot = c;
			break;
		}
		if (cache ? (*c)->addr == sql
		          : (!(*c)->addr && (*c)->hash == h && strcmp((*c)->base.key, sql) == 0)) {
			if ((*c)->busy)
				break; /* in use further up the stack: an uncached one */
			(*c)->busy = true;
			*sp = &(*c)->base;
			return 0;
		}
	}
	err = stmt_new(p, db, sql, &s);
	if (err) {
		log_error("store.prepare", "backend=postgresql sql=\"%.120s\" error=%d", sql, err);
		return err;
	}
	if (slot) {
		s->cached = true;
		s->busy = true;
		s->hash = h;
		s->addr = cache ? sql : NULL;
		s->base.key = cache ? sql : strdup(sql);
		if (!s->base.key) {
			stmt_free(s);
			return ENOMEM;
		}
		*slot = s;
	}
	*sp = &s->base;
	return 0;
}

void pg_stmt_done(struct stmt *st)
{
	struct pg_stmt *s = (struct pg_stmt *)st;

	if (!s)
		return;
	if (!s->cached) {
		stmt_free(s);
		return;
	}
	stmt_reset(s);
	stmt_clear_binds(s);
	s->busy = false;
}

int pg_bind(struct stmt *st, int idx, enum pg_type t, int64_t i, double d, const void *v, size_t n)
{
	struct pg_stmt *s = (struct pg_stmt *)st;
	char num[40];
	char *copy = NULL;

	if (idx < 1 || idx > s->nparams)
		return EINVAL; /* SQLITE_RANGE maps to EIO there; here the caller's mistake */
	if (s->res) /* binding after a step starts the statement over, as sqlite3_reset */
		stmt_reset(s);
	switch (t) {
	case PG_NULL:
		break;
	case PG_INT:
		snprintf(num, sizeof(num), "%" PRId64, i);
		copy = strdup(num);
		break;
	case PG_DOUBLE:
		snprintf(num, sizeof(num), "%.17g", d);
		copy = strdup(num);
		break;
	case PG_TEXT:
		copy = strdup(v);
		break;
	case PG_BLOB:
		copy = malloc(n ? n : 1);
		if (copy && n)
			memcpy(copy, v, n);
		break;
	}
	if (t != PG_NULL && !copy)
		return ENOMEM;
	free(s->val[idx - 1]);
	s->val[idx - 1] = copy;
	s->len[idx - 1] = t == PG_BLOB ? (int)n : 0;
	s->fmt[idx - 1] = t == PG_BLOB ? 1 : 0;
	s->kind[idx - 1] = (unsigned char)t;
	if (t == PG_BLOB && !s->name[0])
		s->type[idx - 1] = OID_BYTEA;
	return 0;
}

/* Prepared at the first step: the server infers each parameter's type from where it
 * stands (a bound text may fill an integer column, as SQLite's affinity allows). Where it
 * cannot (`? IS NULL`), the statement is prepared again with the bound values' types. */
static int prepare_once(struct pg_stmt *s);

/* A statement's first PREPARE inside a transaction runs in a savepoint: one that fails
 * (a parameter whose type the server cannot infer is tried again with types) must not
 * abort the caller's transaction. */
static int prepare(struct pg_stmt *s)
{
	bool sp = pg_in_tx(s->pg);
	int err;

	if (sp && (err = raw(s->pg, "SAVEPOINT lotsen_prep")) != 0)
		return err;
	err = prepare_once(s);
	if (sp)
		raw(s->pg, "RELEASE SAVEPOINT lotsen_prep");
	return err;
}

/* The type a parameter gets from its bound value (NULL: text). */
static Oid bound_type(const struct pg_stmt *s, int k)
{
	return s->kind[k] == PG_INT      ? OID_INT8
	       : s->kind[k] == PG_DOUBLE ? OID_FLOAT8
	       : s->kind[k] == PG_BLOB   ? OID_BYTEA
	                                 : OID_TEXT;
}

/* Parameters the server cannot type from where they stand, typed before the first
 * PREPARE from their values, as the retries below would after a failed PREPARE each (an
 * ERROR line in the server's log and a round trip, at every connection's first search):
 * one the text does not use (a filter left out), and one first met as `$k IS NULL` or
 * `$k IS NOT NULL` — the server leaves that use untyped, and a later typed use of the
 * same parameter does not reach back to it. */
static bool untyped_first(const char *sql, int k)
{
	char tag[16];
	size_t n = (size_t)snprintf(tag, sizeof(tag), "$%d", k);

	for (const char *at = sql; (at = strstr(at, tag)) != NULL; at += n) {
		if (at[n] >= '0' && at[n] <= '9')
			continue; /* $1 in $12 */
		return strncmp(at + n, " IS NULL", 8) == 0 ||
		       strncmp(at + n, " IS NOT NULL", 12) == 0;
	}
	return true; /* not used */
}

static void pretype(struct pg_stmt *s)
{
	for (int k = 0; k < s->nparams; k++) {
		if (s->type[k] || !untyped_first(s->run, k + 1))
			continue;
		s->type[k] = bound_type(s, k);
		s->explicit_types = true;
	}
}

static int prepare_once(struct pg_stmt *s)
{
	struct pg *p = s->pg;
	PGresult *r;
	int err;

	pretype(s);
	snprintf(s->name, sizeof(s->name), "l%u", ++p->next_name);
	r = PQprepare(p->c, s->name, s->run, s->nparams, s->type);
	if (ok(r)) {
		PQclear(r);
		return 0;
	}
	err = result_err(p, r);
	/* A failed PREPARE aborts the transaction: undo it up to the savepoint (prepare_sp) */
	if (pg_in_tx(p))
		raw(p, "ROLLBACK TO SAVEPOINT lotsen_prep");
	/* 42P18 indeterminate or 42P08 ambiguous type of a parameter: that one gets the type
	 * of the value bound to it (NULL: text), the others stay inferred; again. */
	for (int tries = 0; r && tries < s->nparams && PQresultErrorField(r, PG_DIAG_SQLSTATE) &&
	                    (strcmp(PQresultErrorField(r, PG_DIAG_SQLSTATE), "42P18") == 0 ||
	                     strcmp(PQresultErrorField(r, PG_DIAG_SQLSTATE), "42P08") == 0);
	     tries++) {
		const char *m = strstr(PQresultErrorMessage(r), "parameter $");
		int k = m ? (int)strtol(m + 11, NULL, 10) : 0;

		if (k < 1 || k > s->nparams || s->type[k - 1])
			break;
		s->type[k - 1] = bound_type(s, k - 1);
		s->explicit_types = true;
		PQclear(r);
		snprintf(s->name, sizeof(s->name), "l%u", ++p->next_name);
		r = PQprepare(p->c, s->name, s->run, s->nparams, s->type);
		if (ok(r)) {
			PQclear(r);
			return 0;
		}
		err = result_err(p, r);
		if (pg_in_tx(p))
			raw(p, "ROLLBACK TO SAVEPOINT lotsen_prep");
	}
	/* 42804: a parameter bound to NULL and so typed text stands where an integer must
	 * (SET agent_id = ?2 … CASE WHEN ?2 IS NULL): such parameters are integers, once. */
	if (r && s->explicit_types && PQresultErrorField(r, PG_DIAG_SQLSTATE) &&
	    strcmp(PQresultErrorField(r, PG_DIAG_SQLSTATE), "42804") == 0) {
		bool changed = false;

		for (int k = 0; k < s->nparams; k++)
			if (s->kind[k] == PG_NULL && s->type[k] == OID_TEXT) {
				s->type[k] = OID_INT8;
				changed = true;
			}
		if (changed) {
			PQclear(r);
			snprintf(s->name, sizeof(s->name), "l%u", ++p->next_name);
			r = PQprepare(p->c, s->name, s->run, s->nparams, s->type);
			if (ok(r)) {
				PQclear(r);
				return 0;
			}
			err = result_err(p, r);
			if (pg_in_tx(p))
				raw(p, "ROLLBACK TO SAVEPOINT lotsen_prep");
		}
	}
	PQclear(r);
	log_error("store.prepare", "backend=postgresql sql=\"%.160s\" error=\"%s\"", s->run,
	          p->errmsg);
	s->name[0] = '\0';
	return err;
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A budget's wall time becomes the server's statement_timeout for what is left of it. */
static int apply_budget(struct pg *p)
{
	char sql[64];
	int64_t left;

	if (!p->deadline_ns) {
		if (!p->timeout_set)
			return 0;
		p->timeout_set = false;
		return raw(p, "SET statement_timeout = 0");
	}
	left = (p->deadline_ns - mono_ns()) / 1000000;
	if (left < 1)
		return EAGAIN;
	snprintf(sql, sizeof(sql), "SET statement_timeout = %" PRId64, left);
	p->timeout_set = true;
	return raw(p, sql);
}

void pg_budget(struct pg *p, int64_t ms)
{
	p->deadline_ns = ms > 0 ? mono_ns() + ms * 1000000 : 0;
}

bool pg_in_tx(const struct pg *p)
{
	return PQtransactionStatus(p->c) != PQTRANS_IDLE;
}

/* A write inside a transaction runs in a savepoint, so that a statement that fails (a
 * unique key taken, say) leaves the caller's transaction usable, as on SQLite. The
 * savepoint, the statement and its release go to the server together in libpq's pipeline
 * mode: one round trip instead of three. Returns the statement's result (the caller
 * clears it); NULL with *err set when the savepoint or its release failed, or the
 * connection did. After a failure the transaction is left in its failed state for the
 * caller's ROLLBACK TO SAVEPOINT. */
static PGresult *exec_in_savepoint(struct pg *p, struct pg_stmt *s, int *err)
{
	PGresult *mine = NULL, *r;
	bool failed = false, lock = !p->writer;
	int n = lock ? 4 : 3, at = lock ? 2 : 1;

	*err = 0;
	if (!PQenterPipelineMode(p->c)) {
		*err = result_err(p, NULL);
		return NULL;
	}
	if (!PQsendQueryParams(p->c, "SAVEPOINT lotsen_stmt", 0, NULL, NULL, NULL, NULL, 0) ||
	    (lock && !PQsendQueryParams(p->c, WRITERS_LOCK, 0, NULL, NULL, NULL, NULL, 0)) ||
	    !PQsendQueryPrepared(p->c, s->name, s->nparams, (const char *const *)s->val, s->len,
	                         s->fmt, 0) ||
	    !PQsendQueryParams(p->c, "RELEASE SAVEPOINT lotsen_stmt", 0, NULL, NULL, NULL, NULL,
	                       0) ||
	    !PQpipelineSync(p->c)) {
		*err = result_err(p, NULL);
		PQexitPipelineMode(p->c);
		return NULL;
	}
	/* The commands, each a result then NULL; then the sync point. */
	for (int i = 0; i < n; i++) {
		r = PQgetResult(p->c);
		if (!r) { /* the connection is gone */
			failed = true;
			if (!*err)
				*err = result_err(p, NULL);
			break;
		}
		if (i == at) {
			mine = r;
		} else {
			if (!ok(r) && !*err && PQresultStatus(r) != PGRES_PIPELINE_ABORTED) {
				*err = result_err(p, r);
				failed = true;
			}
			PQclear(r);
		}
		while ((r = PQgetResult(p->c)) != NULL)
			PQclear(r);
	}
	while ((r = PQgetResult(p->c)) != NULL) {
		ExecStatusType st = PQresultStatus(r);

		PQclear(r);
		if (st == PGRES_PIPELINE_SYNC)
			break;
	}
	PQexitPipelineMode(p->c);
	if (lock && !failed)
		p->writer = true;
	if (failed) { /* the lock, the savepoint or its release failed, or the connection */
		PQclear(mine);
		return NULL;
	}
	return mine;
}

int pg_step(struct stmt *st)
{
	struct pg_stmt *s = (struct pg_stmt *)st;
	struct pg *p = s->pg;
	bool sp;
	PGresult *r;
	int err;

	if (s->res && !s->done) {
		PQfreemem(s->blob);
		s->blob = NULL;
		if (++s->row < s->nrows)
			return DB_ROW;
		s->done = true;
		return DB_DONE;
	}
	stmt_reset(s);
	if (!s->name[0] && (err = prepare(s)) != 0)
		return err;
	if ((err = apply_budget(p)) != 0)
		return err;
	sp = s->q.write && pg_in_tx(p);
	r = sp ? exec_in_savepoint(p, s, &err)
	       : PQexecPrepared(p->c, s->name, s->nparams, (const char *const *)s->val, s->len,
	                        s->fmt, 0);
	if (!ok(r)) {
		if (!sp || r)
			err = result_err(p, r);
		PQclear(r);
		if (sp) {
			p->writer = false; /* taken in the savepoint: gone with it */
			raw(p, "ROLLBACK TO SAVEPOINT lotsen_stmt");
			raw(p, "RELEASE SAVEPOINT lotsen_stmt");
		}
		if (err != EEXIST && err != ENOENT && err != EINVAL && err != ETIMEDOUT &&
		    err != EAGAIN)
			log_error("store.step", "backend=postgresql error=\"%s\" sql=\"%.120s\"",
			          p->errmsg, s->run);
		return err;
	}
	{
		const char *cmd = PQcmdStatus(r);
		if (strncmp(cmd, "INSERT", 6) == 0 || strncmp(cmd, "UPDATE", 6) == 0 ||
		    strncmp(cmd, "DELETE", 6) == 0 || strncmp(cmd, "MERGE", 5) == 0) {
			p->changes = (int)strtol(PQcmdTuples(r), NULL, 10);
			p->total += p->changes;
		}
	}
	if (s->returning_id) {
		if (PQntuples(r) > 0)
			p->last_id = strtoll(PQgetvalue(r, PQntuples(r) - 1, 0), NULL, 10);
		PQclear(r);
		s->done = true;
		s->res = NULL;
		return DB_DONE;
	}
	s->res = r;
	s->nrows = PQresultStatus(r) == PGRES_TUPLES_OK ? PQntuples(r) : 0;
	s->row = 0;
	if (s->nrows > 0)
		return DB_ROW;
	s->done = true;
	return DB_DONE;
}

static bool has(const struct pg_stmt *s, int col)
{
	return s->res && !s->done && s->row < s->nrows && col >= 0 && col < PQnfields(s->res);
}

int pg_columns(const struct stmt *st)
{
	const struct pg_stmt *s = (const struct pg_stmt *)st;

	return s->res ? PQnfields(s->res) : 0;
}

const char *pg_column_name(const struct stmt *st, int col)
{
	const struct pg_stmt *s = (const struct pg_stmt *)st;

	return s->res && col >= 0 && col < PQnfields(s->res) ? PQfname(s->res, col) : NULL;
}

bool pg_is_null(const struct stmt *st, int col)
{
	const struct pg_stmt *s = (const struct pg_stmt *)st;

	return !has(s, col) || PQgetisnull(s->res, s->row, col);
}

int64_t pg_int(const struct stmt *st, int col)
{
	const struct pg_stmt *s = (const struct pg_stmt *)st;
	const char *v;

	if (pg_is_null(st, col))
		return 0;
	v = PQgetvalue(s->res, s->row, col);
	if (PQftype(s->res, col) == OID_BOOL)
		return v[0] == 't';
	if (PQftype(s->res, col) == OID_FLOAT8 || PQftype(s->res, col) == OID_FLOAT4 ||
	    (PQftype(s->res, col) == OID_NUMERIC && strchr(v, '.')))
		return (int64_t)strtod(v, NULL); /* SQLite truncates toward zero too */
	return strtoll(v, NULL, 10);
}

double pg_double(const struct stmt *st, int col)
{
	const struct pg_stmt *s = (const struct pg_stmt *)st;
	const char *v;

	if (pg_is_null(st, col))
		return 0;
	v = PQgetvalue(s->res, s->row, col);
	if (PQftype(s->res, col) == OID_BOOL)
		return v[0] == 't';
	return strtod(v, NULL);
}

const char *pg_text(const struct stmt *st, int col)
{
	const struct pg_stmt *s = (const struct pg_stmt *)st;

	if (pg_is_null(st, col))
		return NULL;
	if (PQftype(s->res, col) == OID_BOOL) /* as SQLite would print the 0/1 it stores */
		return PQgetvalue(s->res, s->row, col)[0] == 't' ? "1" : "0";
	return PQgetvalue(s->res, s->row, col);
}

const void *pg_blob(const struct stmt *st, int col, size_t *n)
{
	struct pg_stmt *s = (struct pg_stmt *)st;
	const char *v;

	*n = 0;
	if (pg_is_null(st, col))
		return NULL;
	v = PQgetvalue(s->res, s->row, col);
	if (PQftype(s->res, col) != OID_BYTEA) {
		*n = (size_t)PQgetlength(s->res, s->row, col);
		return v;
	}
	PQfreemem(s->blob);
	s->blob = PQunescapeBytea((const unsigned char *)v, n);
	return s->blob;
}

bool pg_col_is_int(const struct stmt *st, int col)
{
	const struct pg_stmt *s = (const struct pg_stmt *)st;
	Oid t;

	if (pg_is_null(st, col))
		return false;
	t = PQftype(s->res, col);
	return t == OID_INT8 || t == OID_INT4 || t == OID_INT2 || t == OID_BOOL ||
	       (t == OID_NUMERIC && !strchr(PQgetvalue(s->res, s->row, col), '.'));
}

bool pg_col_is_real(const struct stmt *st, int col)
{
	const struct pg_stmt *s = (const struct pg_stmt *)st;
	Oid t;

	if (pg_is_null(st, col))
		return false;
	t = PQftype(s->res, col);
	return t == OID_FLOAT8 || t == OID_FLOAT4 ||
	       (t == OID_NUMERIC && strchr(PQgetvalue(s->res, s->row, col), '.'));
}

int64_t pg_last_id(const struct pg *p)
{
	return p->last_id;
}

int pg_changes(const struct pg *p)
{
	return p->changes;
}

int64_t pg_total_changes(const struct pg *p)
{
	return p->total;
}

const char *pg_errmsg(const struct pg *p)
{
	return p->errmsg[0] ? p->errmsg : "not an error";
}

int pg_last_err(const struct pg *p)
{
	return p->last_err;
}
