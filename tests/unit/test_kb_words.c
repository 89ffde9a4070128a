/* The knowledge base's words: compounds and base forms from the Swedish dictionary,
 * synonyms applied to a compound's parts, the editable synonym and search-word lists,
 * "did you mean" and read receipts of notices. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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
        "INSERT INTO groups(id, name, unit_id) VALUES (1, 'Stockholm direkt', 1),"
        " (2, 'Förskola', 1);"
        "INSERT INTO users(id, username, display_name, role) VALUES"
        " (1, 'lead', 'Lena Lead', 'group_lead'), (2, 'anna', 'Anna Agent', 'agent'),"
        " (3, 'erik', 'Erik Agent', 'agent'), (4, 'olle', 'Olle Ägare', 'agent');"
        "INSERT INTO user_groups(user_id, group_id) VALUES (2, 1), (3, 1), (3, 2);";

static const struct principal lead = {.id = 1, .role = ROLE_GROUP_LEAD};
static const struct principal anna = {.id = 2, .role = ROLE_AGENT};
static const struct principal erik = {.id = 3, .role = ROLE_AGENT};

static int64_t add(struct db *db, const char *slug, const char *kind, const char *title,
                   const char *tags, const char *body)
{
	struct verrors v;
	json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:s}", "slug", slug, "title", title, "kind", kind,
	                       "body", body, "status", "published");
	json_t *t = json_array();
	int64_t id = 0;

	for (const char *p = tags; p && *p;) {
		const char *c = strchr(p, ',');
		size_t n = c ? (size_t)(c - p) : strlen(p);
		json_array_append_new(t, json_stringn(p, n));
		p = c ? c + 1 : p + n;
	}
	json_object_set_new(in, "tags", t);
	valid_init(&v, true);
	assert_int_equal(kb_article_create(db, NULL, in, NOW, &id, &v), 0);
	valid_free(&v);
	json_decref(in);
	return id;
}

static int setup(void **state)
{
	struct db *db;

	if (db_open(&db, ":memory:", NULL) || schema_migrate(db) || kb_migrate(db) ||
	    db_exec(db, fixture))
		return -1;
	add(db, "forskola-ansokan", "qa", "Ansöka om förskoleplats", "kö, placering",
	    "Ansök om plats i förskolan i e-tjänsten. Garantitiden är fyra månader.");
	add(db, "forskola-avgift", "qa", "Avgift för förskola (maxtaxa)", "förskoleavgift, maxtaxa",
	    "Avgiften för förskolan följer maxtaxan och betalas tolv månader om året.");
	add(db, "sophamtning", "qa", "Sophämtning för villa", "avfallskärl, hämtdag",
	    "Sophämtningen sker varannan vecka. Kärlet ska stå vid tomtgränsen.");
	add(db, "bygglov", "qa", "Bygglov", "lov, tillbyggnad",
	    "Ansökan om bygglov görs i e-tjänsten med ritningar och situationsplan.");
	add(db, "lekplats", "qa", "Fel på lekplats", "gunga, rutschkana",
	    "Trasiga lekredskap felanmäls i e-tjänsten.");
	add(db, "klagomal", "qa", "Lämna synpunkt eller klagomål", "synpunkt, tyck till",
	    "Synpunkter och klagomål lämnas i e-tjänsten Tyck till.");
	add(db, "notis-vatten", "notice", "Vattenavstängning i centrum", "",
	    "Vattnet är avstängt i centrum i dag.");
	*state = db;
	return 0;
}

static int teardown(void **state)
{
	db_close(*state);
	return 0;
}

/* The slug of the first hit, or "" when nothing was found. */
static const char *first(struct db *db, const char *text, char *buf, size_t n)
{
	struct kb_query q = {.text = text, .limit = 5, .now = NOW};
	json_t *hits;

	assert_int_equal(kb_search(db, &q, &hits), 0);
	snprintf(buf, n, "%s",
	         json_array_size(hits)
	                 ? json_string_value(json_object_get(json_array_get(hits, 0), "slug"))
	                 : "");
	json_decref(hits);
	return buf;
}

static void test_dictionary_splits_compounds(void **state)
{
	struct kb_lex x;

	(void)state;
	if (!kb_words_ready())
		skip(); /* hunspell-sv is not installed: search falls back to its own splitting */
	assert_int_equal(kb_words_analyze("dagisavgiften", 13, true, &x), 0);
	assert_string_equal(x.lemma, "dagisavgift");
	assert_true(x.split);
	assert_int_equal(x.nparts, 2);
	assert_string_equal(x.part[0], "dagis");
	assert_string_equal(x.part[1], "avgift");
	/* A joining s, and a genitive first part, leave the parts as words. */
	assert_int_equal(kb_words_analyze("bygglovsansökan", strlen("bygglovsansökan"), true, &x),
	                 0);
	assert_int_equal(x.nparts, 2);
	assert_string_equal(x.part[0], "bygglov");
	assert_string_equal(x.part[1], "ansökan");
	assert_int_equal(
	        kb_words_analyze("hemhjälpsavgiften", strlen("hemhjälpsavgiften"), true, &x), 0);
	assert_int_equal(x.nparts, 2);
	assert_string_equal(x.part[0], "hemhjälp");
	/* Definite and plural forms of a compound have their base form. */
	assert_int_equal(kb_words_analyze("sophämtningarna", strlen("sophämtningarna"), true, &x),
	                 0);
	assert_string_equal(x.lemma, "sophämtning");
	assert_int_equal(kb_words_analyze("parkeringskortet", strlen("parkeringskortet"), true, &x),
	                 0);
	assert_string_equal(x.part[1], "kortet");
	/* Without parts asked for, the base form only; asked later, they come. */
	assert_int_equal(
	        kb_words_analyze("förskoleplatserna", strlen("förskoleplatserna"), false, &x), 0);
	assert_false(x.split);
	assert_int_equal(x.nparts, 0);
	assert_int_equal(
	        kb_words_analyze("förskoleplatserna", strlen("förskoleplatserna"), true, &x), 0);
	assert_true(x.split);
	assert_int_equal(x.nparts, 2);
	assert_string_equal(x.part[0], "förskola"); /* förskol|e|plats */
	/* A short last part: "dagis|kö". */
	assert_int_equal(kb_words_analyze("dagiskön", strlen("dagiskön"), true, &x), 0);
	assert_int_equal(x.nparts, 2);
	assert_string_equal(x.part[1], "kö");
}

static void test_synonyms_apply_to_compound_parts(void **state)
{
	struct db *db = *state;
	char b[64];

	if (!kb_words_ready())
		skip(); /* without the dictionary compounds split against the index only */
	/* "dagis" means "förskola" (a default synonym); "dagis|avgift" is the fee article. */
	assert_string_equal(first(db, "dagisavgiften", b, sizeof(b)), "forskola-avgift");
	assert_string_equal(first(db, "dagisplatsen", b, sizeof(b)), "forskola-ansokan");
	assert_string_equal(first(db, "bygglovsansökan", b, sizeof(b)), "bygglov");
}

static void test_definite_forms_of_compounds(void **state)
{
	struct db *db = *state;
	char b[64];

	if (!kb_words_ready())
		skip();
	assert_string_equal(first(db, "sophämtningarna", b, sizeof(b)), "sophamtning");
	assert_string_equal(first(db, "soptunnorna", b, sizeof(b)), "sophamtning");
}

static void test_edited_synonym_applies_at_once(void **state)
{
	struct db *db = *state;
	struct verrors v;
	json_t *in, *items;
	int64_t id = 0, total = 0;
	char b[64];

	assert_string_equal(first(db, "klätterställningen", b, sizeof(b)), "");
	in = json_pack("{s:s,s:s}", "word", "Klätterställning", "means", "lekplats gunga");
	valid_init(&v, false);
	assert_int_equal(kb_synonym_put(db, &lead, in, NOW, &id, &v), 0);
	valid_free(&v);
	json_decref(in);
	assert_true(id > 0);
	/* No re-index: the next search reads the list again. Stored in lower case. */
	assert_string_equal(first(db, "klätterställningen", b, sizeof(b)), "lekplats");
	assert_int_equal(kb_synonyms_list(db, 500, 0, &items, &total), 0);
	bool seen = false;
	size_t i;
	json_t *o;
	json_array_foreach(items, i, o)
	{
		seen |= strcmp(json_string_value(json_object_get(o, "word")), "klätterställning") ==
		        0;
	}
	assert_true(seen);
	assert_int_equal((int64_t)json_array_size(items), total);
	json_decref(items);
	/* Removed, it stops at once too. */
	assert_int_equal(kb_synonym_delete(db, &lead, id), 0);
	assert_string_equal(first(db, "klätterställningen", b, sizeof(b)), "");
	assert_int_equal(kb_synonym_delete(db, &lead, id), ENOENT);
}

static void test_synonym_rules(void **state)
{
	struct db *db = *state;
	struct verrors v;
	json_t *in;
	int64_t id = 0;

	in = json_pack("{s:s,s:s}", "word", "gungan", "means", "lekplats");
	valid_init(&v, false);
	assert_int_equal(kb_synonym_put(db, &anna, in, NOW, &id, &v), EPERM);
	valid_free(&v);
	json_decref(in);
	in = json_pack("{s:s,s:s}", "word", "två ord", "means", "");
	valid_init(&v, true);
	assert_int_equal(kb_synonym_put(db, &lead, in, NOW, &id, &v), EBADMSG);
	assert_int_equal(json_array_size(v.list), 2);
	valid_free(&v);
	json_decref(in);
}

static void test_missed_question_leads_to_article(void **state)
{
	struct db *db = *state;
	struct verrors v;
	json_t *in, *out = NULL;
	int64_t flag = 0, art;
	char b[64];

	assert_int_equal(kb_article_find_slug(db, "klagomal", &art), 0);
	in = json_pack("{s:s}", "question", "vill ge beröm till personalen");
	valid_init(&v, false);
	assert_int_equal(kb_missing_create(db, &anna, in, NOW, &flag, &v), 0);
	json_decref(in);
	assert_string_not_equal(first(db, "vill ge beröm till personalen", b, sizeof(b)),
	                        "klagomal");
	in = json_pack("{s:s,s:I}", "question", "vill ge beröm till personalen", "article_id",
	               (json_int_t)art);
	assert_int_equal(kb_miss_connect(db, &lead, in, NOW, &out, &v), 0);
	valid_free(&v);
	json_decref(in);
	assert_int_equal(json_integer_value(json_object_get(out, "closed")), 1);
	json_decref(out);
	/* Its words, in any order and form, now find the article first. */
	assert_string_equal(first(db, "vill ge beröm till personalen", b, sizeof(b)), "klagomal");
	assert_string_equal(first(db, "personalen, vill ge dem beröm", b, sizeof(b)), "klagomal");
}

static void test_did_you_mean(void **state)
{
	struct db *db = *state;
	char *s = NULL;

	assert_int_equal(kb_suggest(db, "förskola avgift", &s), 0);
	assert_null(s); /* nothing to correct */
	if (!kb_words_ready())
		skip();
	assert_int_equal(kb_suggest(db, "avgfit förskola", &s), 0);
	assert_non_null(s);
	assert_string_equal(s, "avgift förskola");
	free(s);
}

static void test_read_receipts(void **state)
{
	struct db *db = *state;
	json_t *items, *mine;
	int64_t notice, other;

	assert_int_equal(kb_article_find_slug(db, "notis-vatten", &notice), 0);
	assert_int_equal(kb_article_find_slug(db, "bygglov", &other), 0);
	assert_int_equal(kb_reads_missing(db, &lead, NOW, &items), 0);
	assert_int_equal(json_array_size(items), 1);
	assert_int_equal(json_array_size(json_object_get(json_array_get(items, 0), "unread")), 3);
	json_decref(items);
	/* Only a notice is confirmed. */
	assert_int_equal(kb_read_confirm(db, &anna, other, NOW), ENOENT);
	assert_int_equal(kb_read_confirm(db, &anna, notice, NOW), 0);
	assert_int_equal(kb_read_confirm(db, &anna, notice, NOW + 1), 0); /* again: no harm */
	assert_int_equal(kb_reads_mine(db, &anna, NOW, &mine), 0);
	assert_int_equal(json_array_size(mine), 1);
	json_decref(mine);
	assert_int_equal(kb_reads_missing(db, &lead, NOW, &items), 0);
	json_t *n = json_array_get(items, 0), *unread = json_object_get(n, "unread");
	assert_int_equal(json_integer_value(json_object_get(n, "confirmed")), 1);
	assert_int_equal(json_array_size(unread), 2);
	for (size_t i = 0; i < json_array_size(unread); i++)
		assert_int_not_equal(
		        json_integer_value(json_object_get(json_array_get(unread, i), "id")),
		        anna.id);
	json_decref(items);
	/* A changed notice is to be read again. */
	struct verrors v;
	json_t *in = json_pack("{s:s}", "body", "Vattnet är avstängt i centrum till kl. 18.");
	valid_init(&v, false);
	assert_int_equal(kb_article_update(db, &lead, notice, in, NOW + 2, &v), 0);
	valid_free(&v);
	json_decref(in);
	assert_int_equal(kb_reads_mine(db, &anna, NOW, &mine), 0);
	assert_int_equal(json_array_size(mine), 0);
	json_decref(mine);
	(void)erik;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_dictionary_splits_compounds),
	        cmocka_unit_test_setup_teardown(test_synonyms_apply_to_compound_parts, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_definite_forms_of_compounds, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_edited_synonym_applies_at_once, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_synonym_rules, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_missed_question_leads_to_article, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_did_you_mean, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_read_receipts, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
