/* `lotsen kb import DIR | export DIR | search "QUERY"`: the knowledge base from a shell. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kb/kb.h"
#include "store/db.h"
#include "store/schema.h"

static int usage(void)
{
	fprintf(stderr, "usage: lotsen kb import DIR [--db FILE]\n"
	                "       lotsen kb export DIR [--db FILE]\n"
	                "       lotsen kb search \"QUERY\" [--json] [--limit N] [--db FILE]\n");
	return 2;
}

static int open_kb(const char *path, struct db **db)
{
	int err = db_open(db, path, NULL);

	if (err) {
		fprintf(stderr, "lotsen kb: cannot open database %s: %s\n", path, strerror(err));
		return err;
	}
	err = schema_migrate(*db);
	if (!err)
		err = kb_migrate(*db);
	if (err) {
		fprintf(stderr, "lotsen kb: migrating %s failed: %s\n", path, strerror(err));
		db_close(*db);
		*db = NULL;
	}
	return err;
}

static int search(struct db *db, const char *text, bool json, long limit)
{
	struct kb_query q = {.text = text, .limit = limit, .now = (int64_t)time(NULL)};
	json_t *hits, *h;
	size_t i;
	int err = kb_search(db, &q, &hits);

	if (err) {
		fprintf(stderr, "lotsen kb: search failed: %s\n", strerror(err));
		return 1;
	}
	if (json) {
		/* Only what a script needs, in rank order. */
		json_t *out = json_array();
		json_array_foreach(hits, i, h) json_array_append_new(
		        out,
		        json_pack("{s:O,s:O,s:O,s:O}", "slug", json_object_get(h, "slug"), "title",
		                  json_object_get(h, "title"), "score", json_object_get(h, "score"),
		                  "snippet", json_object_get(h, "snippet")));
		char *s = json_dumps(out,
		                     JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
		if (s)
			printf("%s\n", s);
		free(s);
		json_decref(out);
	} else {
		json_array_foreach(hits, i, h)
		        printf("%2zu. %-40s %7.3f  %s\n    %s\n", i + 1,
		               json_string_value(json_object_get(h, "slug")),
		               json_real_value(json_object_get(h, "score")),
		               json_string_value(json_object_get(h, "title")),
		               json_string_value(json_object_get(h, "snippet")));
		if (json_array_size(hits) == 0)
			printf("Inga träffar.\n");
	}
	json_decref(hits);
	return 0;
}

int kb_cli(int argc, char **argv)
{
	const char *dbpath = "lotsen.db", *cmd, *arg = NULL;
	bool json = false;
	long limit = 10;
	struct db *db = NULL;
	struct kb_io_error e = {{0}};
	size_t n = 0;
	int err, rc = 0;

	if (argc < 3)
		return usage();
	cmd = argv[1];
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
			dbpath = argv[++i];
		} else if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
			char *end;
			errno = 0;
			limit = strtol(argv[++i], &end, 10);
			if (errno || *end || limit < 1 || limit > 100) {
				fprintf(stderr,
				        "lotsen kb: --limit must be a number from 1 to 100\n");
				return 2;
			}
		} else if (argv[i][0] == '-' && argv[i][1] == '-') {
			fprintf(stderr, "lotsen kb: unknown option %s\n", argv[i]);
			return usage();
		} else if (!arg) {
			arg = argv[i];
		} else {
			return usage();
		}
	}
	if (!arg)
		return usage();
	if (strcmp(cmd, "import") != 0 && strcmp(cmd, "export") != 0 && strcmp(cmd, "search") != 0)
		return usage();
	if (open_kb(dbpath, &db))
		return 1;
	if (strcmp(cmd, "import") == 0) {
		err = kb_import_dir(db, arg, (int64_t)time(NULL), &n, &e);
		if (err) {
			fprintf(stderr, "lotsen kb import: %s\n", e.msg[0] ? e.msg : strerror(err));
			rc = 1;
		} else {
			printf("%zu articles imported from %s\n", n, arg);
		}
	} else if (strcmp(cmd, "export") == 0) {
		err = kb_export_dir(db, arg, &n, &e);
		if (err) {
			fprintf(stderr, "lotsen kb export: %s\n", e.msg[0] ? e.msg : strerror(err));
			rc = 1;
		} else {
			printf("%zu articles exported to %s\n", n, arg);
		}
	} else {
		rc = search(db, arg, json, limit);
	}
	db_close(db);
	return rc;
}
