/* Swedish search in the knowledge base: stems, compounds, typos, ranking, own groups, snippets, the
 * term dictionary. */
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
#include "text/text.h"

#define NOW 1780000000 /* 2026-05-28 */

static const char fixture[] = "INSERT INTO units(id, name) VALUES (1, 'Stöd och omsorg');"
                              "INSERT INTO groups(id, name, unit_id) VALUES (1, 'Stockholm "
                              "direkt', 1), (2, 'Förskola', 1),"
                              " (3, 'Parkeringstillstånd', 1), (4, 'Äldre direkt', 1);"
                              "INSERT INTO clients(id, name) VALUES (1, "
                              "'Utbildningsförvaltningen'), (2, 'Trafikkontoret');";

static void add(struct db *db, const char *slug, const char *title, const char *tags,
                const char *body, int64_t group)
{
	struct verrors v;
	json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:s}", "slug", slug, "title", title, "kind", "qa",
	                       "body", body, "status", "published");
	json_t *t = json_array();
	int64_t id;

	for (const char *p = tags; p && *p;) {
		const char *c = strchr(p, ',');
		size_t n = c ? (size_t)(c - p) : strlen(p);
		json_array_append_new(t, json_stringn(p, n));
		p = c ? c + 1 : p + n;
	}
	json_object_set_new(in, "tags", t);
	if (group)
		json_object_set_new(in, "groups", json_pack("[I]", (json_int_t)group));
	valid_init(&v, true);
	assert_int_equal(kb_article_create(db, NULL, in, NOW, &id, &v), 0);
	valid_free(&v);
	json_decref(in);
}

/* A small fixed corpus: each article answers one kind of question. */
static int setup(void **state)
{
	struct db *db;

	if (db_open(&db, ":memory:", NULL) || schema_migrate(db) || kb_migrate(db) ||
	    db_exec(db, fixture))
		return -1;
	add(db, "forskola-ansokan", "Ansöka om plats i förskolan", "dagis,kö",
	    "Ansök om plats i förskolan i e-tjänsten. Garantitiden är fyra månader.", 2);
	add(db, "forskola-avgift", "Avgift för förskola", "maxtaxa",
	    "Avgiften för förskolan följer maxtaxan. Avgift betalas tolv månader om året.", 2);
	add(db, "p-tillstand", "Parkeringstillstånd för rörelsehindrade", "handikapptillstånd",
	    "Den som har svårt att gå kan söka parkeringstillstånd. Läkarintyg behövs.", 3);
	add(db, "boendeparkering", "Boendeparkering", "",
	    "Boende i innerstaden kan få parkera på gatan för en månadsavgift.", 3);
	add(db, "fardtjanst", "Färdtjänst", "taxi",
	    "Boka en färdtjänstresa hos beställningscentralen. Egenavgift betalas i bilen.", 4);
	add(db, "hemtjanst", "Ansöka om hemtjänst", "",
	    "Hemtjänsten söks hos biståndshandläggaren. Avgiften följer maxtaxan för äldreomsorg.",
	    4);
	add(db, "oppettider-1", "Öppettider i växeln", "",
	    "Växeln har öppet vardagar 8–17 & helger stängt, vid kö > 20 ringer vi upp.", 1);
	add(db, "oppettider-4", "Öppettider i växeln", "",
	    "Växeln har öppet vardagar 8–17 & helger stängt, vid kö > 20 ringer vi upp.", 4);
	*state = db;
	return 0;
}

static int teardown(void **state)
{
	db_close(*state);
	return 0;
}

static json_t *search(struct db *db, const char *text, const int64_t *groups, size_t ngroups)
{
	struct kb_query q = {
	        .text = text, .limit = 10, .group_ids = groups, .ngroups = ngroups, .now = NOW};
	json_t *hits = NULL;

	assert_int_equal(kb_search(db, &q, &hits), 0);
	return hits;
}

static const char *slug_at(const json_t *hits, size_t i)
{
	return json_string_value(json_object_get(json_array_get(hits, i), "slug"));
}

static void expect_first(struct db *db, const char *text, const char *slug)
{
	json_t *hits = search(db, text, NULL, 0);

	if (json_array_size(hits) == 0 || strcmp(slug_at(hits, 0), slug) != 0)
		fail_msg("\"%s\": expected %s first, got %s", text, slug,
		         json_array_size(hits) ? slug_at(hits, 0) : "nothing");
	json_decref(hits);
}

struct toks {
	char out[8][TEXT_TOKEN_MAX + 1];
	size_t n;
};

static int tok_h(void *arg, const char *tok, size_t n, size_t start, size_t end)
{
	struct toks *t = arg;

	if (t->n < 8) {
		memcpy(t->out[t->n], tok, n);
		t->out[t->n++][n] = '\0';
	}
	return 0;
}

static void stem_of(struct sb_stemmer *st, const char *word, char out[TEXT_TOKEN_MAX + 1])
{
	struct toks t = {0};

	assert_int_equal(text_tokenize(st, word, strlen(word), tok_h, &t), 0);
	assert_int_equal(t.n, 1);
	memcpy(out, t.out[0], TEXT_TOKEN_MAX + 1);
}

static void same_stem(struct sb_stemmer *st, const char *a, const char *b)
{
	char x[TEXT_TOKEN_MAX + 1], y[TEXT_TOKEN_MAX + 1];

	stem_of(st, a, x);
	stem_of(st, b, y);
	if (strcmp(x, y) != 0)
		fail_msg("%s → %s but %s → %s", a, x, b, y);
}

/* Every stop word is found: the list is in byte order, as bsearch needs ("ska" once stood
 * after "skall" and was searched for). */
static void test_stop_words_are_all_found(void **state)
{
	size_t n;
	const char *const *w = text_stopwords(&n);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			assert_true(strcmp(w[i - 1], w[i]) < 0);
		assert_true(text_stopword(w[i], strlen(w[i])));
	}
	assert_true(text_stopword("ska", 3));
	assert_false(text_stopword("skatt", 5));
}

static void test_inflections_share_a_stem(void **state)
{
	struct sb_stemmer *st = text_stemmer_new();
	struct toks t = {0};

	assert_non_null(st);
	same_stem(st, "förskola", "förskolan");
	same_stem(st, "förskolor", "förskolorna");
	same_stem(st, "platser", "plats");
	same_stem(st, "parkeringstillståndet", "parkeringstillstånd");
	same_stem(st, "bygglovet", "bygglov");
	same_stem(st, "hemtjänsten", "hemtjänst");
	same_stem(st, "färdtjänstresa", "färdtjänstresor");
	same_stem(st, "årsräkningen", "Årsräkning");
	same_stem(st, "avgifter", "avgiften");
	/* Stop words go, å ä ö stay letters of their own, other accents fold. */
	const char *text = "Hur ansöker jag om en idé för Åsa?";
	assert_int_equal(text_tokenize(st, text, strlen(text), tok_h, &t), 0);
	assert_int_equal(t.n, 3);
	assert_string_equal(t.out[0], "ansök");
	assert_string_equal(t.out[1], "ide");
	assert_string_equal(t.out[2], "åsa");
	text_stemmer_free(st);
}

static void test_inflected_queries_find_the_article(void **state)
{
	expect_first(*state, "platser i förskolorna", "forskola-ansokan");
	expect_first(*state, "avgifterna för förskolan", "forskola-avgift");
	expect_first(*state, "parkeringstillståndet", "p-tillstand");
	expect_first(*state, "hemtjänsten", "hemtjanst");
}

static void test_compounds_split_and_join(void **state)
{
	/* The query's compound is split against the index: "förskole|platser". */
	expect_first(*state, "förskoleplatser", "forskola-ansokan");
	/* The query's word is the last part of an indexed compound. */
	expect_first(*state, "tillstånd för rörelsehinder", "p-tillstand");
	/* The query's word is the first part of an indexed compound. */
	expect_first(*state, "färdtjänsten", "fardtjanst");
	/* Three parts: färdtjänst|res|or. */
	expect_first(*state, "färdtjänstresorna", "fardtjanst");
	/* A compound of two words the index only has apart: boende|parkering|s|avgift. */
	expect_first(*state, "boendeparkeringsavgift", "boendeparkering");
}

static void test_typos_are_tolerated(void **state)
{
	expect_first(*state, "hemtjänts", "hemtjanst");
	expect_first(*state, "parkeringstilstånd", "p-tillstand");
	expect_first(*state, "garantitdien", "forskola-ansokan");
	expect_first(*state, "färdtjäsnt", "fardtjanst");
}

static void test_ranking_order_is_stable(void **state)
{
	/* All three words, two of them in the title or tags, first; then two of three words
	 * (hemtjänst: avgiften, maxtaxan) before one word in the title (förskolan). */
	json_t *hits = search(*state, "avgift maxtaxa förskola", NULL, 0);

	assert_int_equal(json_array_size(hits), 5);
	assert_string_equal(slug_at(hits, 0), "forskola-avgift");
	assert_string_equal(slug_at(hits, 1), "hemtjanst");
	assert_string_equal(slug_at(hits, 2), "forskola-ansokan");
	/* Last, articles where "avgift" is only the tail of a compound (månadsavgift,
	 * egenavgift): found, but weighed less than the word itself. */
	assert_string_equal(slug_at(hits, 3), "boendeparkering");
	assert_string_equal(slug_at(hits, 4), "fardtjanst");
	for (size_t i = 1; i < json_array_size(hits); i++)
		assert_true(
		        json_real_value(json_object_get(json_array_get(hits, i - 1), "score")) >=
		        json_real_value(json_object_get(json_array_get(hits, i), "score")));
	json_decref(hits);
	/* A tag is a synonym the authors chose. */
	expect_first(*state, "dagis", "forskola-ansokan");
	expect_first(*state, "handikapptillstånd", "p-tillstand");
}

static void test_own_groups_rank_first(void **state)
{
	const int64_t g1[] = {1}, g4[] = {4, 3};
	json_t *hits = search(*state, "öppettider växeln", g1, 1);

	assert_string_equal(slug_at(hits, 0), "oppettider-1");
	assert_true(json_is_true(json_object_get(json_array_get(hits, 0), "own_group")));
	assert_true(json_is_false(json_object_get(json_array_get(hits, 1), "own_group")));
	json_decref(hits);
	hits = search(*state, "öppettider växeln", g4, 2);
	assert_string_equal(slug_at(hits, 0), "oppettider-4");
	json_decref(hits);
}

static void test_snippets_highlight_and_escape(void **state)
{
	json_t *hits = search(*state, "förskolan", NULL, 0);
	const char *snip = json_string_value(json_object_get(json_array_get(hits, 0), "snippet"));

	assert_non_null(strstr(snip, "<mark>förskolan</mark>"));
	json_decref(hits);
	hits = search(*state, "helger", NULL, 0);
	snip = json_string_value(json_object_get(json_array_get(hits, 0), "snippet"));
	assert_non_null(strstr(snip, "&amp; <mark>helger</mark>"));
	assert_non_null(strstr(snip, "kö &gt; 20"));
	json_decref(hits);
}

static void test_drafts_and_empty_queries_give_nothing(void **state)
{
	struct verrors v;
	json_t *in = json_pack("{s:s,s:s,s:s,s:s}", "title", "Hemlig utkastartikel", "kind", "news",
	                       "body", "zebraöverlämning", "status", "draft");
	int64_t id;
	json_t *hits;

	valid_init(&v, true);
	assert_int_equal(kb_article_create(*state, NULL, in, NOW, &id, &v), 0);
	json_decref(in);
	hits = search(*state, "zebraöverlämning", NULL, 0);
	assert_int_equal(json_array_size(hits), 0);
	json_decref(hits);
	hits = search(*state, "  och att  ", NULL, 0);
	assert_int_equal(json_array_size(hits), 0);
	json_decref(hits);
}

/* ---- the term dictionary and the large-index path ---- */

static int64_t count_of(struct db *db, const char *sql)
{
	struct stmt *s;
	int64_t n = -1;

	assert_int_equal(db_prepare(db, &s, sql, false), 0);
	if (stmt_step(s) == DB_ROW)
		n = stmt_int(s, 0);
	stmt_done(s);
	return n;
}

/* kb_terms holds what fts5vocab says, kb_meta.docs the index's rows, and kb_postings
 * what computing them again from the index gives. */
static void check_dictionary(struct db *db)
{
	assert_int_equal(count_of(db, "SELECT count(*) FROM (SELECT term, doc FROM kb_vocab"
	                              " WHERE doc > 0 EXCEPT SELECT term, df FROM kb_terms)"),
	                 0);
	assert_int_equal(count_of(db, "SELECT count(*) FROM (SELECT term, df FROM kb_terms"
	                              " EXCEPT SELECT term, doc FROM kb_vocab)"),
	                 0);
	assert_int_equal(count_of(db, "SELECT docs - (SELECT count(*) FROM kb_fts) FROM kb_meta"),
	                 0);
	assert_int_equal(db_exec(db, "CREATE TEMP TABLE kept AS SELECT * FROM kb_postings;"
	                             "DELETE FROM kb_postings; UPDATE kb_meta SET posted = 0"),
	                 0);
	assert_int_equal(kb_postings_backfill(db), 0);
	assert_int_equal(count_of(db, "SELECT count(*) FROM (SELECT * FROM kept"
	                              " EXCEPT SELECT * FROM kb_postings)"),
	                 0);
	assert_int_equal(count_of(db, "SELECT count(*) FROM (SELECT * FROM kb_postings"
	                              " EXCEPT SELECT * FROM kept)"),
	                 0);
	assert_true(count_of(db, "SELECT count(*) FROM kb_postings") > 0);
	assert_int_equal(db_exec(db, "DROP TABLE temp.kept"), 0);
}

static void update(struct db *db, int64_t id, json_t *in)
{
	const struct principal admin = {.id = 0, .role = ROLE_ADMIN};
	struct verrors v;

	valid_init(&v, true);
	assert_int_equal(kb_article_update(db, &admin, id, in, NOW, &v), 0);
	valid_free(&v);
	json_decref(in);
}

static size_t hits_for(struct db *db, const char *text)
{
	json_t *hits = search(db, text, NULL, 0);
	size_t n = json_array_size(hits);

	json_decref(hits);
	return n;
}

static void test_dictionary_follows_edits(void **state)
{
	struct db *db = *state;
	int64_t id;

	check_dictionary(db);
	/* Search before the article exists: the dictionary is cached without its words. */
	assert_int_equal(hits_for(db, "kvastflygning"), 0);
	add(db, "kvast", "Kvastflygning över torget", "häxor,påsk",
	    "Kvastflygning är tillåten på påskafton. Kvastar parkeras vid torget.", 1);
	assert_int_equal(kb_article_find_slug(db, "kvast", &id), 0);
	check_dictionary(db);
	expect_first(db, "kvastflygning", "kvast");
	expect_first(db, "påskhäxor", "kvast");

	/* An edit: words leave and come. */
	update(db, id,
	       json_pack("{s:s,s:s}", "body", "Nu gäller det cykelparkering vid torget.", "title",
	                 "Cykelparkering på torget"));
	check_dictionary(db);
	assert_int_equal(hits_for(db, "kvastflygning"), 0);
	expect_first(db, "cykelparkeringen", "kvast");

	/* Unpublished: indexed but not found; published again: found. */
	update(db, id, json_pack("{s:s}", "status", "draft"));
	check_dictionary(db);
	assert_int_equal(hits_for(db, "cykelparkeringen"), 0);
	update(db, id, json_pack("{s:s}", "status", "published"));
	expect_first(db, "cykelparkeringen", "kvast");

	/* A change rolled back leaves nothing behind, in the tables or in the cache. */
	assert_int_equal(db_begin(db), 0);
	add(db, "sparkstotting", "Sparkstöttingar i backen", "", "Sparkstöttingar lånas ut.", 0);
	expect_first(db, "sparkstötting", "sparkstotting");
	db_rollback(db);
	assert_int_equal(hits_for(db, "sparkstötting"), 0);
	check_dictionary(db);

	/* Gone: its row and its terms leave the index. */
	struct stmt *s;
	assert_int_equal(db_prepare(db, &s, "DELETE FROM kb_articles WHERE id = ?", false), 0);
	stmt_bind_int(s, 1, id);
	assert_int_equal(stmt_step(s), DB_DONE);
	stmt_done(s);
	assert_int_equal(kb_index_article(db, id), 0);
	check_dictionary(db);
	assert_int_equal(hits_for(db, "cykelparkeringen"), 0);
	assert_int_equal(count_of(db, "SELECT count(*) FROM kb_terms WHERE term LIKE 'cykel%'"), 0);
}

/* What a large index does (kb_postings instead of ranking every match), on the small
 * corpus by lowering the threshold. */
static void test_large_index_path(void **state)
{
	struct db *db = *state;
	struct kb_conn *c;
	const int64_t g1[] = {1};

	assert_int_equal(kb_conn_get(db, &c), 0);
	c->exact_max_docs = 0;
	expect_first(db, "parkeringstillståndet", "p-tillstand");
	expect_first(db, "hemtjänsten", "hemtjanst");
	expect_first(db, "förskoleplatser", "forskola-ansokan");
	expect_first(db, "färdtjäsnt", "fardtjanst");
	expect_first(db, "avgift maxtaxa förskola", "forskola-avgift");
	assert_int_equal(hits_for(db, "zebraöverlämning"), 0); /* a draft */
	json_t *hits = search(db, "öppettider växeln", g1, 1);
	assert_string_equal(slug_at(hits, 0), "oppettider-1");
	assert_true(json_is_true(json_object_get(json_array_get(hits, 0), "own_group")));
	json_decref(hits);
	hits = search(db, "helger", NULL, 0);
	const char *snip = json_string_value(json_object_get(json_array_get(hits, 0), "snippet"));
	assert_non_null(strstr(snip, "&amp; <mark>helger</mark>"));
	json_decref(hits);
	c->exact_max_docs = KB_EXACT_MAX_DOCS;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_stop_words_are_all_found),
	        cmocka_unit_test(test_inflections_share_a_stem),
	        cmocka_unit_test(test_inflected_queries_find_the_article),
	        cmocka_unit_test(test_compounds_split_and_join),
	        cmocka_unit_test(test_typos_are_tolerated),
	        cmocka_unit_test(test_ranking_order_is_stable),
	        cmocka_unit_test(test_own_groups_rank_first),
	        cmocka_unit_test(test_snippets_highlight_and_escape),
	        cmocka_unit_test(test_drafts_and_empty_queries_give_nothing),
	        cmocka_unit_test(test_dictionary_follows_edits),
	        cmocka_unit_test(test_large_index_path),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
