/* The store on a real SQLite file: the WAL stays bounded under writes that never pause,
 * and what was committed is all there afterwards. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/db.h"

static off_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : 0;
}

/* Ten rows of about a page each per transaction, fsynced, back to back, as a busy loop
 * commits: the
 * background checkpointer is woken once per round and the writer finishes the round, so
 * the WAL starts over near its mark (4 000 pages) instead of growing to the hard mark
 * (16 000 pages, where the writer would copy the whole WAL back itself). */
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
	assert_true(max < 12000 * (4096 + 24));
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_wal_starts_over_under_steady_writes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
