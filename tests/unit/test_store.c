/* The store on a real SQLite file: the WAL stays bounded under writes that never pause,
 * what was committed is all there afterwards, and a commit whose fsync runs on the sync
 * thread is announced when it is done. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <re.h>

#include "store/batch.h"
#include "store/db.h"

static off_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : 0;
}

/* Ten rows of about a page each per transaction, fsynced, back to back without any pause
 * (harder than a busy loop, which pauses between its turns): past its mark (4 000 pages)
 * the background checkpointer is woken after every commit it is not busy with and starts
 * the WAL over itself after a pass that copied everything; when it never finds a moment
 * between two commits, the writer copies the WAL back at the hard mark (16 000 pages), so
 * the WAL stays bounded. */
static void test_wal_starts_over_under_steady_writes(void **state)
{
	char dir[] = "/tmp/lotsen-store-XXXXXX", path[64], wal[80];
	struct db_opts opts = {.durability = DB_DURABLE_FULL};
	static char blob[3000];
	struct stmt *s;
	struct db *db;
	off_t max = 0;
	const int tx = 1800, per_tx = 10;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.db", dir);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	assert_int_equal(db_open(&db, path, &opts), 0);
	assert_int_equal(db_exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB) STRICT"), 0);
	memset(blob, 'x', sizeof(blob));
	for (int i = 0; i < tx; i++) {
		assert_int_equal(db_begin(db), 0);
		for (int j = 0; j < per_tx; j++) {
			assert_int_equal(db_prepare(db, &s, "INSERT INTO t(b) VALUES (?)", true),
			                 0);
			stmt_bind_blob(s, 1, blob, sizeof(blob));
			assert_int_equal(stmt_step(s), DB_DONE);
			stmt_done(s);
		}
		assert_int_equal(db_commit(db), 0);
		if (file_size(wal) > max)
			max = file_size(wal);
	}
	/* Over 20 000 frames went through the WAL (the rows' pages and the pages above
	 * them). It started over after the mark and a round's tail and never came near the
	 * hard mark, which it reached when it only started over if the checkpointer happened
	 * to finish between two transactions. */
	assert_true(max > 2000 * 4096);
	assert_true(max < 18000 * (4096 + 24));
	{
		struct db_costs c;

		db_costs(db, &c);
		assert_true(c.bg_ckpts > 0);
		assert_int_equal(c.commits, tx);
	}
	assert_int_equal(db_prepare(db, &s, "SELECT count(*) FROM t", true), 0);
	assert_int_equal(stmt_step(s), DB_ROW);
	assert_int_equal(stmt_int(s, 0), tx * per_tx);
	stmt_done(s);
	db_close(db);
	unlink(wal);
	snprintf(wal, sizeof(wal), "%s-shm", path);
	unlink(wal);
	unlink(path);
	rmdir(dir);
}

struct tmpdb {
	char dir[32], path[64];
};

static struct db *open_tmp(struct tmpdb *t, enum db_durability d)
{
	struct db_opts opts = {.durability = d};
	struct db *db;

	snprintf(t->dir, sizeof(t->dir), "/tmp/lotsen-store-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->path, sizeof(t->path), "%s/t.db", t->dir);
	assert_int_equal(db_open(&db, t->path, &opts), 0);
	assert_int_equal(db_exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT) STRICT"), 0);
	return db;
}

static void remove_tmp(struct tmpdb *t)
{
	char f[80];

	snprintf(f, sizeof(f), "%s-wal", t->path);
	unlink(f);
	snprintf(f, sizeof(f), "%s-shm", t->path);
	unlink(f);
	unlink(t->path);
	rmdir(t->dir);
}

static void insert(struct db *db, const char *v)
{
	struct stmt *s;

	assert_int_equal(db_prepare(db, &s, "INSERT INTO t(v) VALUES (?)", true), 0);
	stmt_bind_text(s, 1, v);
	assert_int_equal(stmt_step(s), DB_DONE);
	stmt_done(s);
}

static int64_t count_rows(const char *path)
{
	struct db_opts ro = {.readonly = true};
	struct db *db;
	struct stmt *s;
	int64_t n;

	assert_int_equal(db_open(&db, path, &ro), 0);
	assert_int_equal(db_prepare(db, &s, "SELECT count(*) FROM t", true), 0);
	assert_int_equal(stmt_step(s), DB_ROW);
	n = stmt_int(s, 0);
	stmt_done(s);
	db_close(db);
	return n;
}

/* durability=full: a batch committed without waiting is visible at once, its fsync is
 * started once, runs on the sync thread and is announced on the descriptor; a second
 * cannot start before the first is taken. */
static void test_commit_nosync_then_sync_thread(void **state)
{
	struct tmpdb t;
	struct db *db = open_tmp(&t, DB_DURABLE_FULL);
	struct pollfd p = {.events = POLLIN};

	(void)state;
	p.fd = db_sync_fd(db);
	assert_true(p.fd >= 0);
	assert_int_equal(db_sync_start(db), EALREADY); /* the table's commit was synced */
	assert_int_equal(db_begin(db), 0);
	insert(db, "a");
	assert_int_equal(db_begin(db), 0); /* a request's savepoint */
	insert(db, "b");
	assert_int_equal(db_commit_nosync(db), 0); /* only releases the savepoint */
	assert_int_equal(db_sync_start(db), EALREADY);
	assert_int_equal(db_commit_nosync(db), 0);
	assert_int_equal(count_rows(t.path), 2); /* visible before it is on disk */
	assert_false(db_sync_busy(db));
	assert_int_equal(db_sync_start(db), 0);
	assert_true(db_sync_busy(db));
	assert_int_equal(db_begin(db), 0);
	insert(db, "c");
	assert_int_equal(db_commit_nosync(db), 0);
	assert_int_equal(db_sync_start(db), EBUSY); /* one at a time */
	assert_int_equal(poll(&p, 1, 10000), 1);
	assert_int_equal(db_sync_done(db, false), 0);
	assert_false(db_sync_busy(db));
	assert_int_equal(db_sync_done(db, false), EALREADY);
	assert_int_equal(db_sync_start(db), 0); /* the third row */
	assert_int_equal(db_sync_done(db, true), 0);
	assert_int_equal(poll(&p, 1, 0), 0); /* taken: no stale wake-up */
	db_close(db);
	assert_int_equal(count_rows(t.path), 3);
	remove_tmp(&t);
}

/* Commits that do not go through db_commit_nosync keep their own fsync: an explicit
 * transaction and a statement outside any transaction leave nothing to sync. */
static void test_plain_commits_are_synced_at_once(void **state)
{
	struct tmpdb t;
	struct db *db = open_tmp(&t, DB_DURABLE_FULL);

	(void)state;
	assert_int_equal(db_begin(db), 0);
	insert(db, "a");
	assert_int_equal(db_commit(db), 0);
	assert_int_equal(db_sync_start(db), EALREADY);
	insert(db, "b"); /* autocommit */
	assert_int_equal(db_sync_start(db), EALREADY);
	assert_int_equal(db_begin(db), 0);
	insert(db, "c");
	db_rollback(db);
	assert_int_equal(db_sync_start(db), EALREADY);
	db_close(db);
	assert_int_equal(count_rows(t.path), 2);
	remove_tmp(&t);
}

/* durability=normal has no sync thread: the batch commit is a plain commit. */
static void test_normal_durability_has_no_sync_thread(void **state)
{
	struct tmpdb t;
	struct db *db = open_tmp(&t, DB_DURABLE_NORMAL);

	(void)state;
	assert_int_equal(db_sync_fd(db), -1);
	assert_int_equal(db_begin(db), 0);
	insert(db, "a");
	assert_int_equal(db_commit_nosync(db), 0);
	assert_int_equal(db_sync_start(db), EALREADY);
	assert_int_equal(db_sync_done(db, true), EALREADY);
	db_close(db);
	assert_int_equal(count_rows(t.path), 1);
	remove_tmp(&t);
}

/* One-value lookups read "none" as 0; a nullable id of 0 is stored as NULL. */
static void test_scalar_and_nullable_ids(void **state)
{
	struct tmpdb t;
	struct db *db = open_tmp(&t, DB_DURABLE_NORMAL);
	struct stmt *s;

	(void)state;
	assert_int_equal(db_ping(db), 0);
	assert_int_equal(db_exec(db, "CREATE TABLE refs (id INTEGER PRIMARY KEY, ref INTEGER)"), 0);
	assert_int_equal(db_prepare(db, &s, "INSERT INTO refs(id, ref) VALUES (?, ?)", true), 0);
	for (int64_t i = 1; i <= 3; i++) {
		stmt_bind_int(s, 1, i);
		stmt_bind_id(s, 2, i == 2 ? 0 : i * 10);
		assert_int_equal(stmt_step(s), DB_DONE);
		stmt_done(s);
	}
	assert_int_equal(db_scalar_intv(db, "SELECT COUNT(*) FROM refs WHERE ref IS NULL", NULL, 0),
	                 1);
	assert_int_equal(db_scalar_int(db, "SELECT ref FROM refs WHERE id = ?", 3), 30);
	/* A NULL value, no row and a failing query all read as 0. */
	assert_int_equal(db_scalar_int(db, "SELECT ref FROM refs WHERE id = ?", 2), 0);
	assert_int_equal(db_scalar_int(db, "SELECT ref FROM refs WHERE id = ?", 99), 0);
	assert_int_equal(db_scalar_intv(db, "SELECT nothing FROM nowhere", NULL, 0), 0);
	/* Several parameters, bound as 64-bit integers in order. */
	assert_int_equal(db_scalar_int(db, "SELECT COUNT(*) FROM refs WHERE id >= ? AND ref < ?", 1,
	                               (int64_t)1 << 40),
	                 2);
	db_close(db);
	remove_tmp(&t);
}

/* A budget tells a statement that is too much work (ETIMEDOUT: CPU time of the reading
 * thread, which a busy machine does not stretch) from one the machine kept waiting
 * (EAGAIN: wall time); without a budget the same statement runs to its end. The work is
 * a count to ten million, far beyond 1 ms of CPU time and far within 10 minutes. */
static void test_budget_tells_work_from_waiting(void **state)
{
	static const char *count = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
	                           "WHERE i < 10000000) SELECT count(*) FROM n";
	struct tmpdb t;
	struct db *db = open_tmp(&t, DB_DURABLE_NORMAL);
	struct stmt *s;

	(void)state;
	assert_int_equal(db_prepare(db, &s, count, false), 0);
	db_budget_set(db, 1, 600000);
	assert_int_equal(stmt_step(s), ETIMEDOUT);
	stmt_done(s);
	/* All the CPU time it wants, 1 ms of wall time: it cannot finish in that. */
	assert_int_equal(db_prepare(db, &s, count, false), 0);
	db_budget_set(db, 600000, 1);
	assert_int_equal(stmt_step(s), EAGAIN);
	stmt_done(s);
	/* A quick statement under a budget, and the long one once the budget is removed. */
	db_budget_set(db, 1, 600000);
	assert_int_equal(db_scalar_intv(db, "SELECT 41 + 1", NULL, 0), 42);
	db_budget_set(db, 0, 0);
	assert_int_equal(db_prepare(db, &s,
	                            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT "
	                            "i + 1 FROM n WHERE i < 200000) SELECT count(*) FROM n",
	                            false),
	                 0);
	assert_int_equal(stmt_step(s), DB_ROW);
	assert_int_equal(stmt_int(s, 0), 200000);
	stmt_done(s);
	db_close(db);
	remove_tmp(&t);
}

/* A process killed right after the sync thread reported its fsync done: the rows are
 * there when the file is opened again. */
static void test_synced_batch_survives_a_killed_process(void **state)
{
	struct tmpdb t;
	struct db *db = open_tmp(&t, DB_DURABLE_FULL);
	int status;
	pid_t pid;

	(void)state;
	db_close(db);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct db_opts opts = {.durability = DB_DURABLE_FULL};
		int bad = db_open(&db, t.path, &opts) != 0 || db_begin(db) != 0;

		for (int i = 0; !bad && i < 100; i++) {
			struct stmt *s;

			bad = db_prepare(db, &s, "INSERT INTO t(v) VALUES ('x')", true) != 0 ||
			      stmt_step(s) != DB_DONE;
			stmt_done(s);
		}
		bad = bad || db_commit_nosync(db) != 0 || db_sync_start(db) != 0 ||
		      db_sync_done(db, true) != 0;
		_exit(bad ? 1 : 0); /* no db_close: as if killed */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(count_rows(t.path), 100);
	remove_tmp(&t);
}

/* The loop's group commit (store/batch.c): writers of one turn (an HTTP request, a
 * call's events, a call record written outside any transaction) land in one transaction;
 * the waiters hear of it only once the fsync on the sync thread is done, in the order
 * they waited, and the rows are in the file then. A turn that wrote nothing leaves nothing
 * to wait for; another transaction already open is not joined. */
struct heard {
	int n;                   /* waiters called so far */
	int err[4];              /* each one's result */
	int64_t rows_when_first; /* rows a second connection saw when the first was called */
	const char *path;
};

static void heard_h(int err, bool committed, void *arg)
{
	struct heard *h = arg;

	(void)committed;
	if (h->n == 0)
		h->rows_when_first = count_rows(h->path);
	h->err[h->n++] = err;
	if (h->n == 2)
		re_cancel();
}

static void guard_h(void *arg)
{
	(void)arg;
	re_cancel();
}

static void test_batch_one_commit_per_turn(void **state)
{
	struct tmpdb t;
	struct db *db;
	struct db_batch *b;
	struct heard h = {0};
	struct tmr guard;

	(void)state;
	assert_int_equal(libre_init(), 0);
	tmr_init(&guard);
	db = open_tmp(&t, DB_DURABLE_FULL);
	h.path = t.path;
	assert_int_equal(db_batch_alloc(&b, db), 0);
	assert_false(db_batch_open(b));
	assert_int_equal(db_batch_wait(b, heard_h, &h), 0); /* nothing open: at once */
	assert_int_equal(h.n, 1);
	h.n = 0;

	assert_true(db_batch_join(b));     /* an HTTP request */
	assert_int_equal(db_begin(db), 0); /* its own transaction: a savepoint */
	insert(db, "case");
	assert_int_equal(db_commit(db), 0);
	assert_int_equal(db_batch_wait(b, heard_h, &h), 0);
	assert_true(db_batch_join(b)); /* the telephony in the same turn: the same batch */
	assert_int_equal(db_tx_depth(db), 1);
	insert(db, "call record"); /* outside any transaction of its own */
	assert_int_equal(db_batch_wait(b, heard_h, &h), 0);
	assert_int_equal(h.n, 0);
	assert_int_equal(count_rows(t.path), 0); /* not committed before the turn ends */
	/* The turn ends (the batch's zero timer), the fsync runs, the waiters are called. */
	tmr_start(&guard, 10000, guard_h, NULL); /* a hung batch fails the test, not CI */
	assert_int_equal(re_main(NULL), 0);
	tmr_cancel(&guard);
	assert_int_equal(h.n, 2);
	assert_int_equal(h.err[0], 0);
	assert_int_equal(h.err[1], 0);
	assert_int_equal(h.rows_when_first, 2);
	assert_false(db_batch_open(b));

	/* Someone else's transaction is not joined. */
	assert_int_equal(db_begin(db), 0);
	assert_false(db_batch_join(b));
	db_rollback(db);

	/* Stopped: no new batch, writes commit by themselves. */
	assert_true(db_batch_join(b));
	insert(db, "last");
	db_batch_stop(b);
	assert_false(db_batch_open(b));
	assert_false(db_batch_join(b));
	assert_int_equal(count_rows(t.path), 3);
	db_batch_free(b);
	db_close(db);
	remove_tmp(&t);
	libre_close();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_wal_starts_over_under_steady_writes),
	        cmocka_unit_test(test_commit_nosync_then_sync_thread),
	        cmocka_unit_test(test_plain_commits_are_synced_at_once),
	        cmocka_unit_test(test_normal_durability_has_no_sync_thread),
	        cmocka_unit_test(test_scalar_and_nullable_ids),
	        cmocka_unit_test(test_budget_tells_work_from_waiting),
	        cmocka_unit_test(test_synced_batch_survives_a_killed_process),
	        cmocka_unit_test(test_batch_one_commit_per_turn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
