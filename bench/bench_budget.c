/* What a read's budget (db_budget_set) costs: the clocks it reads, how often SQLite calls
 * it, and the CPU time of one long statement with and without a budget, interleaved, in
 * the same process (a ratio holds on a shared machine; wall times do not).
 * Usage: bench_budget [ROUNDS] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <sqlite3.h>

#include "store/db.h"

#define COUNT_SQL                                                                                  \
	"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000000) "       \
	"SELECT count(*) FROM n"

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double ns_per_read(clockid_t id)
{
	struct timespec ts;
	double t0 = clock_s(CLOCK_MONOTONIC);

	for (int i = 0; i < 200000; i++)
		clock_gettime(id, &ts);
	return (clock_s(CLOCK_MONOTONIC) - t0) * 1e9 / 200000;
}

static long steps_calls;
static int count_h(void *arg)
{
	(void)arg;
	steps_calls++;
	return 0;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* CPU ms of COUNT_SQL on `db`, with a budget or none. */
static double run_ms(struct db *db, int budget)
{
	struct stmt *s;
	double t0;
	int rc;

	db_budget_set(db, budget ? 600000 : 0, budget ? 600000 : 0);
	t0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
	if (db_prepare(db, &s, COUNT_SQL, false) != 0)
		return -1;
	rc = stmt_step(s);
	stmt_done(s);
	db_budget_set(db, 0, 0);
	return rc == DB_ROW ? (clock_s(CLOCK_THREAD_CPUTIME_ID) - t0) * 1000 : -1;
}

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? strtol(argv[1], NULL, 10) : 7;
	double *off, *on;
	sqlite3 *raw;
	sqlite3_stmt *st;
	struct db *db;
	double t0, cpu_ms;

	if (rounds < 1 || rounds > 1000) {
		fprintf(stderr, "usage: bench_budget [ROUNDS 1-1000]\n");
		return 2;
	}
	off = calloc((size_t)rounds, sizeof(double));
	on = calloc((size_t)rounds, sizeof(double));
	if (!off || !on || db_open(&db, ":memory:", NULL) != 0)
		return 1;
	printf("clock_thread_cputime_ns=%.0f clock_monotonic_ns=%.0f\n",
	       ns_per_read(CLOCK_THREAD_CPUTIME_ID), ns_per_read(CLOCK_MONOTONIC));

	/* how many virtual machine steps a millisecond of CPU is */
	if (sqlite3_open(":memory:", &raw) != SQLITE_OK)
		return 1;
	sqlite3_progress_handler(raw, 1000, count_h, NULL);
	t0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
	sqlite3_prepare_v2(raw, COUNT_SQL, -1, &st, NULL);
	sqlite3_step(st);
	sqlite3_finalize(st);
	cpu_ms = (clock_s(CLOCK_THREAD_CPUTIME_ID) - t0) * 1000;
	sqlite3_close(raw);
	printf("vm_steps_per_cpu_ms=%.0f\n", (double)steps_calls * 1000 / cpu_ms);

	for (long r = 0; r < rounds; r++) { /* which goes first alternates */
		if (r % 2) {
			on[r] = run_ms(db, 1);
			off[r] = run_ms(db, 0);
		} else {
			off[r] = run_ms(db, 0);
			on[r] = run_ms(db, 1);
		}
	}
	qsort(off, (size_t)rounds, sizeof(double), cmp_d);
	qsort(on, (size_t)rounds, sizeof(double), cmp_d);
	printf("count_3m_cpu_ms_median no_budget=%.1f budget=%.1f ratio=%.3f (rounds=%ld)\n",
	       off[rounds / 2], on[rounds / 2], on[rounds / 2] / off[rounds / 2], rounds);
	db_close(db);
	free(off);
	free(on);
	return 0;
}
