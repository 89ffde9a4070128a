/* Searches that missed: the query as it is kept (normalized, personal data dropped), its
 * counts per query, the statistics that list it and connecting it to an article. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kb/kb.h"
#include "kb/kb_int.h"
#include "store/db.h"
#include "store/schema.h"

#define NOW 1780000000 /* 2026-05-28 */

static const char fixture[] =
        "INSERT INTO units(id, name) VALUES (1, 'Stöd och omsorg');"
        "INSERT INTO groups(id, name, unit_id) VALUES (1, 'Stockholm direkt', 1);"
        "INSERT INTO users(id, username, display_name, role) VALUES"
        " (1, 'lead', 'Lena Lead', 'group_lead'), (2, 'anna', 'Anna Agent', 'agent');";

static const struct principal lead = {.id = 1, .role = ROLE_GROUP_LEAD};
static const struct principal anna = {.id = 2, .role = ROLE_AGENT};

static int setup(void **state)
{
	struct db *db;
	struct verrors v;
	json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:s}", "slug", "klagomal", "title",
	                       "Lämna synpunkt eller klagomål", "kind", "qa", "body",
	                       "Synpunkter och klagomål lämnas i e-tjänsten Tyck till.", "status",
	                       "published");
	int64_t id = 0;

	if (db_open(&db, ":memory:", NULL) || schema_migrate(db) || kb_migrate(db) ||
	    db_exec(db, fixture))
		return -1;
	valid_init(&v, true);
	if (kb_article_create(db, NULL, in, NOW, &id, &v))
		return -1;
	valid_free(&v);
	json_decref(in);
	*state = db;
	return 0;
}

static int teardown(void **state)
{
	db_close(*state);
	return 0;
}

static void test_normalize(void **state)
{
	char out[KB_MISS_QUERY_MAX * 4 + 1], big[2 * 300 + 1];

	(void)state;
	assert_int_equal(
	        kb_miss_normalize("  Ge  BERÖM\ttill\n Personalen ", NOW, out, sizeof(out)), 0);
	assert_string_equal(out, "ge beröm till personalen");
	assert_int_equal(kb_miss_normalize("ÅÄÖ Élev", NOW, out, sizeof(out)), 0);
	assert_string_equal(out, "åäö élev");
	assert_int_equal(kb_miss_normalize(" \t ", NOW, out, sizeof(out)), EINVAL);
	assert_int_equal(kb_miss_normalize("", NOW, out, sizeof(out)), EINVAL);
	/* Cut at 200 characters, never inside one: 300 "ö" keep 200 of them. */
	big[0] = '\0';
	for (int i = 0; i < 300; i++)
		memcpy(big + 2 * i, "ö", 3);
	assert_int_equal(kb_miss_normalize(big, NOW, out, sizeof(out)), 0);
	assert_int_equal(strlen(out), 400);
	assert_int_equal(kb_nchars(out, strlen(out)), KB_MISS_QUERY_MAX);
	/* A cut that ends on a space leaves none behind. */
	memset(big, 'a', 199);
	big[199] = ' ';
	memcpy(big + 200, "bbb", 4);
	assert_int_equal(kb_miss_normalize(big, NOW, out, sizeof(out)), 0);
	assert_int_equal(strlen(out), 199);
}

static void test_personal_data_dropped(void **state)
{
	static const char *const personal[] = {
	        "811218-9876",
	        "hemtjänst 19811218-9876",
	        "198112189876 bygglov",
	        "811218-9875 fel kontrollsiffra", /* a personnummer still, if mistyped */
	        "ring 070-123 45 67",
	        "08-508 360 00",
	        "+46701234567 avfall",
	        NULL,
	};
	static const char *const kept[] = {
	        "bygglov 2024", "maxtaxa 1 barn", "förskola 3-5 år", "paragraf 12 kap 4", NULL,
	};
	char out[KB_MISS_QUERY_MAX * 4 + 1];

	(void)state;
	for (size_t i = 0; personal[i]; i++) {
		int err = kb_miss_normalize(personal[i], NOW, out, sizeof(out));
		if (err != EPERM)
			fail_msg("\"%s\" was kept as \"%s\"", personal[i], out);
		assert_string_equal(out, "");
	}
	for (size_t i = 0; kept[i]; i++)
		if (kb_miss_normalize(kept[i], NOW, out, sizeof(out)) != 0)
			fail_msg("\"%s\" was dropped", kept[i]);
}

static json_t *searches(struct db *db)
{
	json_t *o = NULL, *a;

	assert_int_equal(kb_stats(db, &lead, 0, 0, &o), 0);
	a = json_incref(json_object_get(o, "missed_searches"));
	json_decref(o);
	assert_non_null(a);
	return a;
}

static void test_counts_per_query(void **state)
{
	struct db *db = *state;
	json_t *a, *m;

	assert_int_equal(kb_miss_record(db, "Beröm  till personalen", KB_MISS_NO_HIT, NOW), 0);
	assert_int_equal(kb_miss_record(db, "beröm till PERSONALEN ", KB_MISS_NO_HIT, NOW + 5), 0);
	assert_int_equal(kb_miss_record(db, "beröm till personalen", KB_MISS_NO_CLICK, NOW + 9), 0);
	assert_int_equal(kb_miss_record(db, "klagomål lekplats", KB_MISS_NO_CLICK, NOW + 1), 0);
	assert_int_equal(kb_miss_record(db, "811218-9876", KB_MISS_NO_HIT, NOW), EPERM);
	assert_int_equal(kb_miss_record(db, "   ", KB_MISS_NO_HIT, NOW), EINVAL);
	a = searches(db);
	assert_int_equal(json_array_size(a), 2);
	m = json_array_get(a, 0);
	assert_string_equal(json_string_value(json_object_get(m, "query")),
	                    "beröm till personalen");
	assert_int_equal(json_integer_value(json_object_get(m, "count")), 3);
	assert_int_equal(json_integer_value(json_object_get(m, "no_hit")), 2);
	assert_int_equal(json_integer_value(json_object_get(m, "no_click")), 1);
	/* Nothing names who searched. */
	assert_int_equal(json_object_size(m), 6);
	json_decref(a);
	/* Nothing with the personnummer was kept anywhere. */
	struct stmt *s;
	assert_int_equal(db_prepare(db, &s, "SELECT count(*) FROM kb_search_misses", false), 0);
	assert_int_equal(stmt_step(s), DB_ROW);
	assert_int_equal(stmt_int(s, 0), 2);
	stmt_done(s);
	(void)anna;
}

static void test_connect_resolves(void **state)
{
	struct db *db = *state;
	struct verrors v;
	struct kb_query q = {.text = "beröm till personalen", .limit = 5, .now = NOW};
	json_t *in, *out = NULL, *a, *hits;
	int64_t art;

	assert_int_equal(kb_article_find_slug(db, "klagomal", &art), 0);
	assert_int_equal(kb_miss_record(db, "Beröm till personalen", KB_MISS_NO_HIT, NOW), 0);
	in = json_pack("{s:s,s:I}", "question", "beröm till personalen", "article_id",
	               (json_int_t)art);
	valid_init(&v, false);
	assert_int_equal(kb_miss_connect(db, &lead, in, NOW + 10, &out, &v), 0);
	valid_free(&v);
	json_decref(in);
	assert_int_equal(json_integer_value(json_object_get(out, "resolved_searches")), 1);
	json_decref(out);
	a = searches(db);
	assert_int_equal(json_array_size(a), 0); /* kept for history, no longer listed */
	json_decref(a);
	assert_int_equal(kb_search(db, &q, &hits), 0);
	assert_true(json_array_size(hits) > 0);
	assert_string_equal(json_string_value(json_object_get(json_array_get(hits, 0), "slug")),
	                    "klagomal");
	json_decref(hits);
	/* Unopened hits do not list it again; finding nothing again does. */
	assert_int_equal(kb_miss_record(db, "beröm till personalen", KB_MISS_NO_CLICK, NOW + 20),
	                 0);
	a = searches(db);
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);
	assert_int_equal(kb_miss_record(db, "beröm till personalen", KB_MISS_NO_HIT, NOW + 30), 0);
	a = searches(db);
	assert_int_equal(json_array_size(a), 1);
	json_decref(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_normalize),
	        cmocka_unit_test(test_personal_data_dropped),
	        cmocka_unit_test_setup_teardown(test_counts_per_query, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_connect_resolves, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
