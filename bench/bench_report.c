/* Report speed at scale: the monthly, tertial and yearly reports (with their previous
 * periods, breakdowns, calls and satisfaction) over a database made by
 * `lotsen demo --years N --contacts-per-year M`. Usage: bench_report DB [RUNS] */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/auth.h"
#include "base/calendar.h"
#include "report/report.h"
#include "store/db.h"

#define MAX_RUNS 50

static double ms_since(const struct timespec *t0, clockid_t clock)
{
	struct timespec t1;

	clock_gettime(clock, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Runs one report `runs` times; prints the first run, the median and the slowest (wall
 * clock), and the median CPU time (what the report costs on a machine that is not shared). */
static int time_report(struct db *db, const char *what, const char *period, int64_t client,
                       int runs)
{
	static const struct principal admin = {.id = 0, .role = ROLE_ADMIN};
	double t[MAX_RUNS], cpu[MAX_RUNS];
	json_t *o = NULL;

	for (int i = 0; i < runs; i++) {
		struct timespec t0, c0;
		int err;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
		err = report_period(db, &admin, period, client, &o);
		t[i] = ms_since(&t0, CLOCK_MONOTONIC);
		cpu[i] = ms_since(&c0, CLOCK_PROCESS_CPUTIME_ID);
		if (err) {
			fprintf(stderr, "bench_report: %s %s: %s\n", what, period, strerror(err));
			return 1;
		}
		if (i + 1 < runs)
			json_decref(o);
	}
	printf("report_%s period=%s client=%lld cases=%lld offered_calls=%lld survey_answers=%lld "
	       "first_ms=%.1f",
	       what, period, (long long)client,
	       (long long)json_integer_value(
	               json_object_get(json_object_get(o, "totals"), "cases")),
	       (long long)json_integer_value(json_object_get(
	               json_object_get(json_object_get(o, "totals"), "calls"), "offered")),
	       (long long)json_integer_value(json_object_get(
	               json_object_get(json_object_get(o, "totals"), "satisfaction"), "answers")),
	       t[0]);
	qsort(t, (size_t)runs, sizeof(t[0]), cmp_double);
	qsort(cpu, (size_t)runs, sizeof(cpu[0]), cmp_double);
	printf(" median_ms=%.1f max_ms=%.1f median_cpu_ms=%.1f runs=%d\n", t[runs / 2], t[runs - 1],
	       cpu[runs / 2], runs);
	json_decref(o);
	return 0;
}

int main(int argc, char **argv)
{
	struct db_opts opts = {.readonly = true};
	struct local_time lt;
	struct stat st;
	struct db *db;
	char month[16], tertial[16], year[16], range[32];
	char *end = NULL;
	long runs_l = argc > 2 ? strtol(argv[2], &end, 10) : 7;
	int runs = (int)runs_l, y, m, rc = 0;

	if (argc < 2 || (end && *end) || runs_l < 1 || runs_l > MAX_RUNS) {
		fprintf(stderr, "usage: bench_report DB [RUNS 1–%d]\n", MAX_RUNS);
		return 2;
	}
	if (db_open(&db, argv[1], &opts)) {
		fprintf(stderr, "bench_report: cannot open %s\n", argv[1]);
		return 1;
	}
	if (stat(argv[1], &st) == 0)
		printf("db=%s bytes=%lld\n", argv[1], (long long)st.st_size);
	/* last month, the last whole tertial and last year, as the board asks for them */
	calendar_local_from_utc((int64_t)time(NULL), &lt);
	y = lt.date.m == 1 ? lt.date.y - 1 : lt.date.y;
	m = lt.date.m == 1 ? 12 : lt.date.m - 1;
	snprintf(month, sizeof(month), "%04d-%02d", y % 10000, m % 100);
	if (lt.date.m <= 4)
		snprintf(tertial, sizeof(tertial), "%04d-T3", (lt.date.y - 1) % 10000);
	else
		snprintf(tertial, sizeof(tertial), "%04d-T%d", lt.date.y % 10000,
		         (lt.date.m - 1) / 4 % 3);
	snprintf(year, sizeof(year), "%04d", (lt.date.y - 1) % 10000);
	rc |= time_report(db, "monthly", month, 0, runs);
	rc |= time_report(db, "monthly", month, 1, runs);
	rc |= time_report(db, "tertial", tertial, 0, runs);
	rc |= time_report(db, "yearly", year, 0, runs);
	rc |= time_report(db, "yearly", year, 1, runs);
	/* the last 365 days as dates: a year's work also over a 1-year database */
	{
		struct date a, b;
		char fa[11], fb[11];

		calendar_add_days(&lt.date, -1, &b);
		calendar_add_days(&b, -364, &a);
		calendar_date_format(&a, fa);
		calendar_date_format(&b, fb);
		snprintf(range, sizeof(range), "%s..%s", fa, fb);
		rc |= time_report(db, "365_days", range, 0, runs);
	}
	db_close(db);
	return rc;
}
