/* The raw SQLite insert rate Lotsen's case API is measured against: one case row per
 * committed transaction, same schema, WAL and synchronous setting as the server. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/db.h"
#include "store/schema.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/tmp/lotsen-bench-raw.db";
	const char *durability = argc > 2 ? argv[2] : "full";
	int n = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 5000;
	struct db_opts o = {.durability = strcmp(durability, "normal") == 0 ? DB_DURABLE_NORMAL
	                                                                    : DB_DURABLE_FULL};
	struct db *db;
	struct stmt *s;
	double t0, t1;
	char sql[512];

	unlink(path);
	snprintf(sql, sizeof(sql), "%s-wal", path);
	unlink(sql);
	if (db_open(&db, path, &o) || schema_migrate(db))
		return 1;
	/* the rows a case refers to */
	if (db_exec(db, "INSERT INTO units(name) VALUES ('U');"
	                "INSERT INTO groups(name, unit_id) VALUES ('G', 1);"
	                "INSERT INTO clients(name) VALUES ('C');"
	                "INSERT INTO categories(name, kind) VALUES ('K', 'question');"))
		return 1;
	double *lat = calloc((size_t)n, sizeof(double));
	if (!lat)
		return 1;
	t0 = now_s();
	for (int i = 0; i < n; i++) {
		double c0 = now_s();
		if (db_begin(db) ||
		    db_prepare(
		            db, &s,
		            "INSERT INTO cases(channel, group_id, client_id, category_id, outcome,"
		            " summary, received_at, created_at, updated_at) VALUES"
		            " ('phone', 1, 1, 1, 'resolved', ?, ?, ?, ?)",
		            true))
			return 1;
		stmt_bind_text(s, 1, "Frågade om kötid till förskola.");
		stmt_bind_int(s, 2, 1760000000 + i);
		stmt_bind_int(s, 3, 1760000000 + i);
		stmt_bind_int(s, 4, 1760000000 + i);
		if (stmt_step(s) != DB_DONE)
			return 1;
		stmt_done(s);
		if (db_commit(db))
			return 1;
		lat[i] = now_s() - c0;
	}
	t1 = now_s();
	qsort(lat, (size_t)n, sizeof(double), cmp_d);
	/* The commit latency is the disk's fsync: the floor under any durable API answer. */
	printf("raw_insert_per_s=%.0f n=%d durability=%s commit_p50_ms=%.2f commit_p99_ms=%.2f "
	       "commit_max_ms=%.2f\n",
	       n / (t1 - t0), n, durability, lat[n / 2] * 1e3, lat[n * 99 / 100] * 1e3,
	       lat[n - 1] * 1e3);
	free(lat);
	db_close(db);
	return 0;
}
