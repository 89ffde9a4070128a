/* The switchboard's directory at scale: GET /api/v1/directory's query (directory_search) over
 * N generated department contacts and staff, latency per typed query, p50 and p99. */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/directory.h"
#include "store/db.h"
#include "store/schema.h"

#define ROUNDS 200 /* searches per query */

static const char *const first[] = {"Anna",  "Erik",   "Åsa",   "Lars",  "Maria", "Örjan", "Karin",
                                    "Ahmed", "Fatima", "Johan", "Elin",  "Ärla",  "Sven",  "Leyla",
                                    "Olof",  "Ingrid", "Mats",  "Hodan", "Pia",   "Kalle"};
static const char *const last[] = {"Andersson", "Berg",    "Öberg",   "Lindqvist", "Nilsson",
                                   "Haddad",    "Åkesson", "Ek",      "Sandberg",  "Ström",
                                   "Warsame",   "Holm",    "Björk",   "Eriksson",  "Virtanen",
                                   "Jönsson",   "Lund",    "Sjöberg", "Mohamed",   "Dahl"};
static const char *const roles[] = {"Handläggare",         "Registrator",         "Jourhavande",
                                    "Biståndshandläggare", "Bygglovshandläggare", "Enhetschef",
                                    "Växeltelefonist"};
static const char *const queries[] = {
        "a",    "an", "anna",   "anna berg", "å",      "åke",  "ös", "öberg", "hand",  "bygglov",
        "jour", "08", "08-508", "0850812",   "+46850", "virt", "k",  "enhet", "ström", "zzz"};

/* Wall clock, and this thread's CPU time: the figure that holds on a shared machine. */
static double clock_ms(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int fill(struct db *db, int n)
{
	struct stmt *s;
	int err;

	err = db_exec(db, "INSERT INTO units(id, name) VALUES (1, 'Stöd och omsorg'),"
	                  " (2, 'Barn och ungdom'), (3, 'Stadsmiljö och teknik');"
	                  "INSERT INTO clients(id, name) VALUES (1, 'Äldreförvaltningen'),"
	                  " (2, 'Utbildningsförvaltningen'), (3, 'Trafikkontoret'),"
	                  " (4, 'Stadsbyggnadskontoret'), (5, 'Socialförvaltningen');");
	if (err)
		return err;
	err = db_begin(db);
	if (err)
		return err;
	for (int i = 0; i < n && !err; i++) {
		char name[96], phone[32];
		snprintf(name, sizeof(name), "%s %s %d", first[i % 20], last[(i / 20) % 20], i);
		if (i % 5 == 4) { /* one in five is staff */
			static const char sql[] =
			        "INSERT INTO users(username, display_name, role, unit_id)"
			        " VALUES (?, ?, 'agent', ?)";
			char user[32];
			snprintf(user, sizeof(user), "u%d", i);
			err = db_prepare(db, &s, sql, true);
			if (err)
				break;
			stmt_bind_text(s, 1, user);
			stmt_bind_text(s, 2, name);
			stmt_bind_int(s, 3, 1 + i % 3);
		} else {
			static const char sql[] =
			        "INSERT INTO contacts(client_id, name, role, phone)"
			        " VALUES (?, ?, ?, ?)";
			snprintf(phone, sizeof(phone), "+468508%05d", i);
			err = db_prepare(db, &s, sql, true);
			if (err)
				break;
			stmt_bind_int(s, 1, 1 + i % 5);
			stmt_bind_text(s, 2, name);
			stmt_bind_text(s, 3, roles[i % 7]);
			stmt_bind_text(s, 4, phone);
		}
		err = stmt_step(s);
		stmt_done(s);
		err = err == DB_DONE ? 0 : err;
	}
	return err ? err : db_commit(db);
}

int main(int argc, char **argv)
{
	size_t nq = sizeof(queries) / sizeof(queries[0]);
	static double all[sizeof(queries) / sizeof(queries[0]) * ROUNDS];
	static double allcpu[sizeof(queries) / sizeof(queries[0]) * ROUNDS];
	struct db *db = NULL;
	double t0, worst_p99 = 0;
	int n, err;

	if (argc != 3) {
		fprintf(stderr, "usage: bench_directory DB ENTRIES\n");
		return 2;
	}
	n = (int)strtol(argv[2], NULL, 10);
	remove(argv[1]);
	if (db_open(&db, argv[1], NULL) || schema_migrate(db)) {
		fprintf(stderr, "cannot open %s\n", argv[1]);
		return 1;
	}
	t0 = clock_ms(CLOCK_MONOTONIC);
	err = fill(db, n);
	if (err) {
		fprintf(stderr, "fill: %s\n", strerror(err));
		return 1;
	}
	printf("entries=%d fill_ms=%.0f (contacts and staff, index kept by triggers)\n", n,
	       clock_ms(CLOCK_MONOTONIC) - t0);
	for (size_t q = 0; q < nq; q++) {
		double lat[ROUNDS], cpu[ROUNDS];
		int64_t total = 0;
		for (int i = 0; i < ROUNDS; i++) {
			json_t *items = NULL;
			double t = clock_ms(CLOCK_MONOTONIC), c = clock_ms(CLOCK_THREAD_CPUTIME_ID);
			err = directory_search(db, queries[q], 20, 0, &items, &total);
			lat[i] = all[q * ROUNDS + (size_t)i] = clock_ms(CLOCK_MONOTONIC) - t;
			cpu[i] = allcpu[q * ROUNDS + (size_t)i] =
			        clock_ms(CLOCK_THREAD_CPUTIME_ID) - c;
			json_decref(items);
			if (err) {
				fprintf(stderr, "%s: %s\n", queries[q], strerror(err));
				return 1;
			}
		}
		qsort(lat, ROUNDS, sizeof(double), cmp_double);
		qsort(cpu, ROUNDS, sizeof(double), cmp_double);
		if (lat[ROUNDS * 99 / 100] > worst_p99)
			worst_p99 = lat[ROUNDS * 99 / 100];
		printf("q=\"%s\" hits=%lld p50_ms=%.2f p99_ms=%.2f cpu_p99_ms=%.2f\n", queries[q],
		       (long long)total, lat[ROUNDS / 2], lat[ROUNDS * 99 / 100],
		       cpu[ROUNDS * 99 / 100]);
	}
	qsort(all, nq * ROUNDS, sizeof(double), cmp_double);
	qsort(allcpu, nq * ROUNDS, sizeof(double), cmp_double);
	printf("all queries: p50_ms=%.2f p99_ms=%.2f cpu_p99_ms=%.2f worst_query_p99_ms=%.2f"
	       " (limit 20, %d rounds each)\n",
	       all[nq * ROUNDS / 2], all[nq * ROUNDS * 99 / 100], allcpu[nq * ROUNDS * 99 / 100],
	       worst_p99, ROUNDS);
	db_close(db);
	return 0;
}
