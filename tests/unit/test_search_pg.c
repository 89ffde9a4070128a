/* Search on a real PostgreSQL (started by this test with tests/pg/start.sh unless
 * LOTSEN_TEST_PG_URL names one) gives what it gives on SQLite: the SQL that makes Lotsen's
 * Swedish words for the case search's index (lotsen_sv_words, core migration 16) makes
 * the words text_tokenize makes, and the knowledge base ranks the demo articles with the
 * same hits and the same scores on both. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <errno.h>

#include <cmocka.h>

#include "kb/kb.h"
#include "kb/kb_int.h"
#include "store/db.h"
#include "store/schema.h"
#include "text/text.h"

#include "pg_fixture.h"

/* A fresh database `name` on the server, migrated. */
static struct db *fresh(const char *name)
{
	struct db *db = pg_fixture_fresh(name, NULL, 0);

	assert_int_equal(schema_migrate(db), 0);
	assert_int_equal(kb_migrate(db), 0);
	return db;
}

/* ---------------------------------------------------------------- words */

struct joined {
	char *p;
	size_t n, cap;
};

static int join_h(void *arg, const char *tok, size_t n, size_t start, size_t end)
{
	struct joined *j = arg;

	(void)start;
	(void)end;
	if (j->n + n + 2 > j->cap) {
		j->cap = (j->n + n + 2) * 2;
		j->p = realloc(j->p, j->cap);
		assert_non_null(j->p);
	}
	if (j->n)
		j->p[j->n++] = ' ';
	memcpy(j->p + j->n, tok, n);
	j->n += n;
	j->p[j->n] = '\0';
	return 0;
}

static void expect_same_words(struct db *db, struct sb_stemmer *st, const char *text)
{
	struct joined j = {calloc(1, 1), 0, 1};
	struct stmt *s;

	assert_int_equal(text_tokenize(st, text, strlen(text), join_h, &j), 0);
	assert_int_equal(
	        db_prepare(db, &s, "SELECT array_to_string(lotsen_sv_words(?), ' ')", true), 0);
	stmt_bind_text(s, 1, text);
	assert_int_equal(stmt_step(s), DB_ROW);
	if (strcmp(stmt_text(s, 0), j.p) != 0)
		fail_msg("words of \"%.80s…\"\n  SQL: %.300s\n  C:   %.300s", text, stmt_text(s, 0),
		         j.p);
	stmt_done(s);
	free(j.p);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *b;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)n + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	b[n] = '\0';
	fclose(f);
	return b;
}

static void test_words_as_the_tokenizer(void **state)
{
	static const char *const texts[] = {
	        "Hemtjänsten för Anna-Karin på förskolan",
	        "Bygglovet, bygglov och BYGGLOVEN; ÅSA Öberg ärende",
	        "idé IDÉ Café naïve crème brûlée Æble Øre straße",
	        "hur ska jag få en plats? Vi undrar var det finns hej",
	        "x 5 a1 2024-05-01 070-123 45 67 #42 e-post: anna@example.se",
	        "platser parkeringstillstånden kontaktcentret ansökningarna",
	        "tab\there\nnew line — dash “quotes” …ellipsis",
	        "",
	};
	struct db *db = fresh("t_search_words");
	struct sb_stemmer *st = text_stemmer_new();
	DIR *d;
	struct dirent *e;
	int files = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		expect_same_words(db, st, texts[i]);
	/* Every article of the demo knowledge base: some 6 000 words. */
	d = opendir(LOTSEN_SOURCE_DIR "/demo/kb");
	assert_non_null(d);
	while ((e = readdir(d))) {
		char path[512];
		if (!strstr(e->d_name, ".md"))
			continue;
		snprintf(path, sizeof(path), LOTSEN_SOURCE_DIR "/demo/kb/%s", e->d_name);
		char *text = slurp(path);
		expect_same_words(db, st, text);
		free(text);
		files++;
	}
	closedir(d);
	assert_true(files > 50);
	text_stemmer_free(st);
	db_close(db);
}

/* ---------------------------------------------------------------- knowledge base */

/* The organisation the demo articles name (as bench/bench_kb.c). */
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
        " ('chef.stod', 'Maria Eriksson', 'manager', NULL),"
        " ('chef.barn', 'Johan Nilsson', 'manager', NULL),"
        " ('chef.miljo', 'Karin Berg', 'manager', NULL),"
        " ('lead.aldre', 'Elin Sandberg', 'group_lead', NULL),"
        " ('lead.forskola', 'Omar Haddad', 'group_lead', NULL),"
        " ('viewer.trafik', 'Trafikkontoret', 'client_viewer', 3);";

static void load_demo(struct db *db)
{
	struct kb_io_error e = {{0}};
	size_t n = 0;

	assert_int_equal(db_exec(db, fixture), 0);
	assert_int_equal(kb_import_dir(db, LOTSEN_SOURCE_DIR "/demo/kb", 1780000000, &n, &e), 0);
	assert_true(n > 50);
}

/* The same hits in the same order with the same scores and snippets. */
static void compare(struct db *lite, struct db *pg, const char *const *queries, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct kb_query q = {.text = queries[i], .limit = 10, .now = 1780000000};
		json_t *a, *b;
		assert_int_equal(kb_search(lite, &q, &a), 0);
		assert_int_equal(kb_search(pg, &q, &b), 0);
		assert_true(json_array_size(a) > 0);
		if (json_array_size(a) != json_array_size(b))
			fail_msg("\"%s\": %zu hits on SQLite, %zu on PostgreSQL", queries[i],
			         json_array_size(a), json_array_size(b));
		for (size_t k = 0; k < json_array_size(a); k++) {
			json_t *x = json_array_get(a, k), *y = json_array_get(b, k);
			const char *sx = json_string_value(json_object_get(x, "slug"));
			const char *sy = json_string_value(json_object_get(y, "slug"));
			double vx = json_real_value(json_object_get(x, "score"));
			double vy = json_real_value(json_object_get(y, "score"));
			if (strcmp(sx, sy) != 0 || vx != vy)
				fail_msg("\"%s\" hit %zu: %s %.3f on SQLite, %s %.3f on PostgreSQL",
				         queries[i], k + 1, sx, vx, sy, vy);
			assert_string_equal(json_string_value(json_object_get(x, "snippet")),
			                    json_string_value(json_object_get(y, "snippet")));
		}
		json_decref(a);
		json_decref(b);
	}
}

static void test_kb_ranks_as_on_sqlite(void **state)
{
	/* Words, inflections, compounds and their parts, a typo, a synonym, a rare word
	 * beside a common one. */
	static const char *const queries[] = {
	        "hemtjänst",
	        "förskoleplats",
	        "parkeringstillstånd",
	        "dagisavgiften",
	        "bygglvo",
	        "sophämtning soptunna",
	        "felanmälan gata",
	        "ekonomiskt bistånd hur ansöker jag",
	        "snöröjning",
	        "gatlampa släckt",
	        "överförmyndare god man",
	        "avgift förskola",
	};
	struct db *pg = fresh("t_search_kb"), *lite;

	(void)state;
	assert_int_equal(db_open(&lite, ":memory:", NULL), 0);
	assert_int_equal(schema_migrate(lite), 0);
	assert_int_equal(kb_migrate(lite), 0);
	load_demo(lite);
	load_demo(pg);
	/* Both ways: every match ranked, and a large index's (kb_postings). */
	for (int way = 0; way < 2; way++) {
		struct kb_conn *c;
		assert_int_equal(kb_conn_get(lite, &c), 0);
		c->exact_max_docs = way ? 0 : KB_EXACT_MAX_DOCS;
		assert_int_equal(kb_conn_get(pg, &c), 0);
		c->exact_max_docs = way ? 0 : KB_EXACT_MAX_DOCS;
		compare(lite, pg, queries, sizeof(queries) / sizeof(queries[0]));
	}
	db_close(lite);
	db_close(pg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_words_as_the_tokenizer),
	        cmocka_unit_test(test_kb_ranks_as_on_sqlite),
	};
	return cmocka_run_group_tests(tests, pg_fixture_start, pg_fixture_stop);
}
