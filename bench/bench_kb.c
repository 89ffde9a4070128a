/* Relevance and latency of knowledge-base search on the demo corpus (demo/kb). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kb/kb.h"
#include "store/db.h"
#include "store/schema.h"

/* The organisation the demo articles name, without the rest of the demo. */
static const char fixture[] =
        "INSERT INTO units(id, name) VALUES (1, 'Stöd och omsorg'), (2, 'Barn och ungdom'),"
        " (3, 'Stadsmiljö och teknik');"
        "INSERT INTO groups(name, unit_id) VALUES ('Stockholm direkt', 1), ('Äldre direkt', 1),"
        " ('Överförmyndare', 1), ('Förskola', 2), ('Skola', 2), ('Parkeringstillstånd', 3),"
        " ('Felanmälan gata och park', 3), ('Bygglov', 3);"
        "INSERT INTO clients(name) VALUES ('Äldreförvaltningen'), ('Utbildningsförvaltningen'),"
        " ('Trafikkontoret'), ('Stadsbyggnadskontoret'), ('Överförmyndarförvaltningen'),"
        " ('Kommunstyrelsen'), ('Socialförvaltningen');"
        "INSERT INTO users(username, display_name, role, client_id) VALUES"
        " ('chef.stod', 'Maria Eriksson', 'manager', NULL), ('chef.barn', 'Johan Nilsson', "
        "'manager', NULL),"
        " ('chef.miljo', 'Karin Berg', 'manager', NULL), ('lead.aldre', 'Elin Sandberg', "
        "'group_lead', NULL),"
        " ('lead.forskola', 'Omar Haddad', 'group_lead', NULL),"
        " ('viewer.trafik', 'Trafikkontoret', 'client_viewer', 3);";

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Run one query set; prints its recall and latency. */
static int run_set(struct db *db, const char *queries, size_t n, bool verbose)
{
	size_t total = 0, at1 = 0, at5 = 0;
	int64_t lat[1024];
	char line[1024];
	FILE *f = fopen(queries, "r");

	if (!f) {
		fprintf(stderr, "bench_kb: cannot read %s\n", queries);
		return 1;
	}
	while (fgets(line, sizeof(line), f) && total < sizeof(lat) / sizeof(lat[0])) {
		char *tab = strchr(line, '\t'), *nl;
		if (line[0] == '#' || !tab)
			continue;
		*tab = '\0';
		nl = strchr(tab + 1, '\n');
		if (nl)
			*nl = '\0';
		const char *expect = tab + 1;
		struct kb_query q = {.text = line, .limit = 5, .now = (int64_t)time(NULL)};
		json_t *hits;
		int64_t t0 = now_us();
		if (kb_search(db, &q, &hits)) {
			fprintf(stderr, "bench_kb: search failed for \"%s\"\n", line);
			fclose(f);
			return 1;
		}
		lat[total++] = now_us() - t0;
		int rank = 0;
		for (size_t i = 0; i < json_array_size(hits); i++)
			if (strcmp(json_string_value(
			                   json_object_get(json_array_get(hits, i), "slug")),
			           expect) == 0) {
				rank = (int)i + 1;
				break;
			}
		at1 += rank == 1;
		at5 += rank >= 1 && rank <= 5;
		if (verbose && rank != 1) {
			fprintf(stderr, "rank %d for \"%s\" (want %s):", rank, line, expect);
			for (size_t i = 0; i < json_array_size(hits); i++)
				fprintf(stderr, " %s",
				        json_string_value(
				                json_object_get(json_array_get(hits, i), "slug")));
			fprintf(stderr, "\n");
		}
		json_decref(hits);
	}
	fclose(f);
	if (!total) {
		fprintf(stderr, "bench_kb: no queries in %s\n", queries);
		return 1;
	}
	qsort(lat, total, sizeof(lat[0]), cmp_i64);
	printf("kb_set=%s kb_articles=%zu kb_queries=%zu\n", queries, n, total);
	printf("kb_recall_at_1=%.3f kb_recall_at_5=%.3f kb_query_p50_us=%lld "
	       "kb_query_p99_us=%lld\n",
	       (double)at1 / total, (double)at5 / total, (long long)lat[total / 2],
	       (long long)lat[(total * 99) / 100 < total ? (total * 99) / 100 : total - 1]);
	return 0;
}

/* bench_kb [--db URL] [DIR] [QUERIES…] [-v]: each query set is reported on its own. The
 * first time a word is seen costs the dictionary's analysis; the figures include it.
 * --db: an empty PostgreSQL database (postgresql://…) instead of SQLite in memory. */
int main(int argc, char **argv)
{
	const char *path = ":memory:";
	bool verbose = false;
	struct db *db;
	struct kb_io_error e = {{0}};
	size_t n = 0;
	int sets = 0, rc = 0;

	if (argc > 2 && strcmp(argv[1], "--db") == 0) {
		path = argv[2];
		argc -= 2;
		argv += 2;
	}
	const char *dir = argc > 1 ? argv[1] : "demo/kb";
	for (int i = 2; i < argc; i++)
		verbose |= strcmp(argv[i], "-v") == 0;
	if (db_open(&db, path, NULL) || schema_migrate(db) || kb_migrate(db) ||
	    db_exec(db, fixture)) {
		fprintf(stderr, "bench_kb: cannot set up the database\n");
		return 1;
	}
	if (kb_import_dir(db, dir, (int64_t)time(NULL), &n, &e)) {
		fprintf(stderr, "bench_kb: import of %s failed: %s\n", dir, e.msg);
		return 1;
	}
	/* One warm-up query so that statement preparation is not measured. */
	json_t *warm;
	struct kb_query wq = {.text = "hemtjänst", .limit = 5, .now = (int64_t)time(NULL)};
	if (kb_search(db, &wq, &warm) == 0)
		json_decref(warm);
	for (int i = 2; i < argc && !rc; i++)
		if (strcmp(argv[i], "-v") != 0) {
			rc = run_set(db, argv[i], n, verbose);
			sets++;
		}
	if (!sets && !rc)
		rc = run_set(db, "bench/kb_queries.tsv", n, verbose);
	db_close(db);
	return rc;
}
