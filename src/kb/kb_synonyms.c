/* The municipality's own words: synonyms and search words (sökord) that leads and article
 * owners edit, read by search from a per-connection copy that follows every change. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kb/kb.h"
#include "kb/kb_art.h"
#include "kb/kb_int.h"
#include "store/db.h"
#include "text/text.h"

#define WORD_MAX   60  /* characters of a synonym's word */
#define PHRASE_MAX 200 /* characters of a search word (a missed question, often) */
#define MEANS_MAX  120 /* characters of what a synonym means */

/* ---- the copy search reads ---- */

void kb_words_list_clear(struct kb_words_list *l)
{
	free(l->syn);
	free(l->kw);
	*l = (struct kb_words_list){0};
}

struct stems {
	char (*w)[TEXT_TOKEN_MAX + 1];
	int n, max;
};

static int stem_h(void *arg, const char *tok, size_t n, size_t start, size_t end)
{
	struct stems *s = arg;

	if (s->n < s->max && n <= TEXT_TOKEN_MAX) {
		memcpy(s->w[s->n], tok, n);
		s->w[s->n++][n] = '\0';
	}
	return 0;
}

static int64_t gen_now(struct db *db)
{
	struct stmt *s;
	int64_t gen = -1;

	if (db_prepare(db, &s, "SELECT gen FROM kb_words_meta WHERE id = 1", true))
		return -1;
	if (stmt_step(s) == DB_ROW)
		gen = stmt_int(s, 0);
	stmt_done(s);
	return gen;
}

static int list_read(struct db *db, struct kb_conn *c, struct kb_words_list *l)
{
	struct stmt *s;
	size_t cap = 0;
	int err, rc;

	err = db_prepare(db, &s, "SELECT word, means FROM kb_synonyms ORDER BY word", true);
	if (err)
		return err;
	while ((rc = stmt_step(s)) == DB_ROW) {
		if (l->nsyn == cap) {
			cap = cap ? cap * 2 : 128;
			struct kb_syn *x = realloc(l->syn, cap * sizeof(*x));
			if (!x) {
				stmt_done(s);
				return ENOMEM;
			}
			l->syn = x;
		}
		struct kb_syn *y = &l->syn[l->nsyn];
		struct stems from = {(char(*)[TEXT_TOKEN_MAX + 1]) y->from, 0, 1};
		struct stems to = {y->to, 0, KB_SYN_WORDS};
		const char *w = stmt_text(s, 0), *m = stmt_text(s, 1);
		*y = (struct kb_syn){0};
		/* Unstemmed, so that stop words and short words still count as said. */
		text_tokenize(NULL, w, strlen(w), stem_h, &from);
		text_tokenize(c->stemmer, m, strlen(m), stem_h, &to);
		y->nto = to.n;
		if (from.n == 1) {
			size_t fn = strlen(y->from);
			memcpy(y->from_stem, y->from, fn + 1);
			y->from_stem[text_stem(c->stemmer, y->from_stem, fn)] = '\0';
		}
		if (from.n == 1 && to.n > 0)
			l->nsyn++;
	}
	stmt_done(s);
	if (rc != DB_DONE)
		return rc;
	cap = 0;
	err = db_prepare(db, &s, "SELECT phrase, article_id FROM kb_keywords ORDER BY id", true);
	if (err)
		return err;
	while ((rc = stmt_step(s)) == DB_ROW) {
		if (l->nkw == cap) {
			cap = cap ? cap * 2 : 64;
			struct kb_keyword *x = realloc(l->kw, cap * sizeof(*x));
			if (!x) {
				stmt_done(s);
				return ENOMEM;
			}
			l->kw = x;
		}
		struct kb_keyword *k = &l->kw[l->nkw];
		struct stems ws = {k->word, 0, KB_SYN_WORDS};
		const char *ph = stmt_text(s, 0);
		*k = (struct kb_keyword){0};
		text_tokenize(c->stemmer, ph, strlen(ph), stem_h, &ws);
		k->nwords = ws.n;
		k->article_id = stmt_int(s, 1);
		if (k->nwords > 0)
			l->nkw++;
	}
	stmt_done(s);
	return rc == DB_DONE ? 0 : rc;
}

int kb_words_list_get(struct db *db, const struct kb_words_list **lp)
{
	struct kb_conn *c;
	int64_t gen;
	int err = kb_conn_get(db, &c);

	if (err)
		return err;
	if (!c->words) {
		c->words = calloc(1, sizeof(*c->words));
		if (!c->words)
			return ENOMEM;
	}
	gen = gen_now(db);
	if (!c->words->loaded || c->words->gen != gen) {
		kb_words_list_clear(c->words);
		err = list_read(db, c, c->words);
		if (err) {
			kb_words_list_clear(c->words);
			return err;
		}
		c->words->gen = gen;
		c->words->loaded = true;
	}
	*lp = c->words;
	return 0;
}

static int gen_bump(struct db *db)
{
	return db_exec(db, "UPDATE kb_words_meta SET gen = gen + 1 WHERE id = 1");
}

/* ---- who may edit ---- */

/* Leads, managers and admins; and whoever owns an article (its KB owner). */
static bool can_edit_words(struct db *db, const struct principal *p)
{
	struct stmt *s;
	bool owner = false;

	if (p->role & ROLES_LEADS)
		return true;
	if (db_prepare(db, &s, "SELECT 1 FROM kb_articles WHERE owner_id = ? LIMIT 1", true))
		return false;
	stmt_bind_int(s, 1, p->id);
	owner = stmt_step(s) == DB_ROW;
	stmt_done(s);
	return owner;
}

static bool can_edit_article(struct db *db, const struct principal *p, int64_t article)
{
	struct stmt *s;
	int64_t ids[64];
	size_t n = 0;
	bool owner = false;

	if (p->role & ROLES_LEADS)
		return true;
	if (db_prepare(db, &s, "SELECT owner_id = ?2 FROM kb_articles WHERE id = ?1", true))
		return false;
	stmt_bind_int(s, 1, article);
	stmt_bind_int(s, 2, p->id);
	owner = stmt_step(s) == DB_ROW && stmt_int(s, 0) != 0;
	stmt_done(s);
	if (owner)
		return true;
	if (db_prepare(db, &s, "SELECT client_id FROM kb_article_clients WHERE article_id = ?",
	               true))
		return false;
	stmt_bind_int(s, 1, article);
	while (n < 64 && stmt_step(s) == DB_ROW)
		ids[n++] = stmt_int(s, 0);
	stmt_done(s);
	return kb_can_edit(p, ids, n);
}

/* ---- synonyms ---- */

static int list_page(struct db *db, const char *count_sql, const char *sql, int64_t limit,
                     int64_t offset, json_t **items, int64_t *total)
{
	struct stmt *s;
	json_t *a = json_array();
	int err, rc;

	*items = NULL;
	*total = 0;
	if (!a)
		return ENOMEM;
	err = db_prepare(db, &s, count_sql, true);
	if (err)
		goto out;
	if (stmt_step(s) == DB_ROW)
		*total = stmt_int(s, 0);
	stmt_done(s);
	err = db_prepare(db, &s, sql, true);
	if (err)
		goto out;
	stmt_bind_int(s, 1, limit);
	stmt_bind_int(s, 2, offset);
	while ((rc = stmt_step(s)) == DB_ROW) {
		json_t *o = json_object();
		for (int i = 0; i < stmt_columns(s); i++) {
			const char *name = stmt_column_name(s, i);
			if (stmt_is_null(s, i))
				json_object_set_new(o, name, json_null());
			else if (stmt_col_is_int(s, i))
				json_object_set_new(o, name, json_integer(stmt_int(s, i)));
			else
				json_object_set_new(o, name, json_string(stmt_text(s, i)));
		}
		json_array_append_new(a, o);
	}
	stmt_done(s);
	err = rc == DB_DONE ? 0 : rc;
out:
	if (err) {
		json_decref(a);
		return err;
	}
	*items = a;
	return 0;
}

int kb_synonyms_list(struct db *db, int64_t limit, int64_t offset, json_t **items, int64_t *total)
{
	return list_page(db, "SELECT count(*) FROM kb_synonyms",
	                 "SELECT id, word, means, created_by, created_at FROM kb_synonyms"
	                 " ORDER BY word LIMIT ?1 OFFSET ?2",
	                 limit, offset, items, total);
}

/* A word as people type it: lower case, letters, digits and '-', no spaces. */
static bool one_word(const char *w)
{
	size_t n = strlen(w);

	if (n == 0 || kb_nchars(w, n) > WORD_MAX)
		return false;
	for (const char *c = w; *c; c++)
		if ((unsigned char)*c < 0x80 && !(*c >= 'a' && *c <= 'z') &&
		    !(*c >= '0' && *c <= '9') && *c != '-')
			return false;
	return true;
}

static void lower(char *w)
{
	/* ASCII and the Swedish capitals (Å Ä Ö, UTF-8 C3 85/84/96) are lowered. */
	for (unsigned char *c = (unsigned char *)w; *c; c++) {
		if (*c >= 'A' && *c <= 'Z')
			*c = (unsigned char)(*c + 32);
		else if (*c == 0xc3 && (c[1] == 0x85 || c[1] == 0x84 || c[1] == 0x96)) {
			c[1] = (unsigned char)(c[1] + 0x20);
			c++;
		}
	}
}

int kb_synonym_put(struct db *db, const struct principal *p, const json_t *in, int64_t now,
                   int64_t *idp, struct verrors *v)
{
	const char *w = json_string_value(json_object_get(in, "word"));
	const char *m = json_string_value(json_object_get(in, "means"));
	char word[WORD_MAX * 4 + 1];
	struct stmt *s;
	int err;

	if (!can_edit_words(db, p))
		return EPERM;
	if (w)
		snprintf(word, sizeof(word), "%s", w);
	if (w)
		lower(word);
	if (!w || !one_word(word))
		valid_add(
		        v, "word",
		        v->en ? "Required: one word (letters, digits or -, at most %d characters)."
		              : "Krävs: ett ord (bokstäver, siffror eller -, högst %d tecken).",
		        WORD_MAX);
	if (!m || !*m || kb_nchars(m, strlen(m)) > MEANS_MAX)
		valid_add(v, "means",
		          v->en ? "Required: the articles' words it means (at most %d characters)."
		                : "Krävs: artiklarnas ord som det betyder (högst %d tecken).",
		          MEANS_MAX);
	if (valid_has_errors(v))
		return EBADMSG;
	err = db_prepare(db, &s,
	                 "INSERT INTO kb_synonyms(word, means, created_by, created_at)"
	                 " VALUES (?1, ?2, ?3, ?4) ON CONFLICT(word) DO UPDATE SET means = ?2,"
	                 " created_by = ?3, created_at = ?4 RETURNING id",
	                 true);
	if (err)
		return err;
	stmt_bind_text(s, 1, word);
	stmt_bind_text(s, 2, m);
	stmt_bind_int(s, 3, p->id);
	stmt_bind_int(s, 4, now);
	err = stmt_step(s);
	if (err == DB_ROW) {
		*idp = stmt_int(s, 0);
		err = 0;
	}
	stmt_done(s);
	return err ? err : gen_bump(db);
}

static int delete_row(struct db *db, const char *sql, int64_t id)
{
	struct stmt *s;
	int err = db_prepare(db, &s, sql, true);

	if (err)
		return err;
	stmt_bind_int(s, 1, id);
	err = stmt_step(s);
	stmt_done(s);
	if (err != DB_DONE)
		return err;
	if (db_changes(db) == 0)
		return ENOENT;
	return gen_bump(db);
}

int kb_synonym_delete(struct db *db, const struct principal *p, int64_t id)
{
	if (!can_edit_words(db, p))
		return EPERM;
	return delete_row(db, "DELETE FROM kb_synonyms WHERE id = ?", id);
}

/* ---- search words ---- */

int kb_keywords_list(struct db *db, int64_t limit, int64_t offset, json_t **items, int64_t *total)
{
	return list_page(
	        db, "SELECT count(*) FROM kb_keywords",
	        "SELECT k.id, k.phrase, k.article_id, a.slug, a.title, k.created_by,"
	        " k.created_at FROM kb_keywords k JOIN kb_articles a ON a.id = k.article_id"
	        " ORDER BY k.phrase, k.id LIMIT ?1 OFFSET ?2",
	        limit, offset, items, total);
}

static int count_h(void *arg, const char *tok, size_t n, size_t start, size_t end)
{
	(*(int *)arg)++;
	return 0;
}

/* Between one and KB_SYN_WORDS words that are not stop words. */
static bool phrase_ok(const char *ph)
{
	struct sb_stemmer *st = text_stemmer_new();
	int n = 0;

	if (!st)
		return false;
	text_tokenize(st, ph, strlen(ph), count_h, &n);
	text_stemmer_free(st);
	return n >= 1 && n <= KB_SYN_WORDS;
}

int kb_keyword_create(struct db *db, const struct principal *p, const json_t *in, int64_t now,
                      int64_t *idp, struct verrors *v)
{
	const char *ph = json_string_value(json_object_get(in, "phrase"));
	const json_t *a = json_object_get(in, "article_id");
	char phrase[PHRASE_MAX * 4 + 1];
	int64_t article = json_is_integer(a) ? json_integer_value(a) : 0;
	struct stmt *s;
	int err;

	if (!ph || !*ph || kb_nchars(ph, strlen(ph)) > PHRASE_MAX || !phrase_ok(ph))
		valid_add(
		        v, "phrase",
		        v->en ? "Required: the words people search with (at most %d characters and "
		                "%d words besides little words such as \"och\", \"på\")."
		              : "Krävs: orden som man söker med (högst %d tecken och %d ord utöver "
		                "småord som \"och\", \"på\").",
		        PHRASE_MAX, KB_SYN_WORDS);
	if (article <= 0)
		valid_add(v, "article_id", "%s",
		          v->en ? "Required: the id of the article the words lead to."
		                : "Krävs: id för artikeln som orden leder till.");
	if (valid_has_errors(v))
		return EBADMSG;
	err = db_prepare(db, &s, "SELECT 1 FROM kb_articles WHERE id = ?", true);
	if (err)
		return err;
	stmt_bind_int(s, 1, article);
	err = stmt_step(s) == DB_ROW ? 0 : ENOENT;
	stmt_done(s);
	if (err)
		return err;
	if (!can_edit_article(db, p, article))
		return EPERM;
	snprintf(phrase, sizeof(phrase), "%s", ph);
	lower(phrase);
	err = db_prepare(db, &s,
	                 "INSERT INTO kb_keywords(phrase, article_id, created_by, created_at)"
	                 " VALUES (?1, ?2, ?3, ?4) ON CONFLICT(phrase, article_id) DO UPDATE"
	                 " SET created_at = ?4 RETURNING id",
	                 true);
	if (err)
		return err;
	stmt_bind_text(s, 1, phrase);
	stmt_bind_int(s, 2, article);
	stmt_bind_int(s, 3, p->id);
	stmt_bind_int(s, 4, now);
	err = stmt_step(s);
	if (err == DB_ROW) {
		*idp = stmt_int(s, 0);
		err = 0;
	}
	stmt_done(s);
	return err ? err : gen_bump(db);
}

int kb_keyword_delete(struct db *db, const struct principal *p, int64_t id)
{
	struct stmt *s;
	int64_t article = 0;
	int err = db_prepare(db, &s, "SELECT article_id FROM kb_keywords WHERE id = ?", true);

	if (err)
		return err;
	stmt_bind_int(s, 1, id);
	if (stmt_step(s) == DB_ROW)
		article = stmt_int(s, 0);
	stmt_done(s);
	if (!article)
		return ENOENT;
	if (!can_edit_article(db, p, article))
		return EPERM;
	return delete_row(db, "DELETE FROM kb_keywords WHERE id = ?", id);
}

/* ---- a missed question connected to its article ---- */

int kb_miss_connect(struct db *db, const struct principal *p, const json_t *in, int64_t now,
                    json_t **out, struct verrors *v)
{
	const char *q = json_string_value(json_object_get(in, "question"));
	const char *as = json_string_value(json_object_get(in, "as"));
	const json_t *a = json_object_get(in, "article_id");
	int64_t article = json_is_integer(a) ? json_integer_value(a) : 0, id = 0;
	json_t *row = NULL, *art = NULL;
	struct stmt *s;
	int err, closed, resolved = 0;

	*out = NULL;
	if (!as)
		as = "keyword";
	if (strcmp(as, "keyword") != 0 && strcmp(as, "synonym") != 0) {
		valid_add(v, "as", "%s",
		          v->en ? "Must be keyword (the question leads to the article) or synonym "
		                  "(its "
		                  "one word means the article's title)."
		                : "Måste vara keyword (frågan leder till artikeln) eller synonym "
		                  "(dess "
		                  "enda ord betyder artikelns titel).");
		return EBADMSG;
	}
	if (strcmp(as, "keyword") == 0) {
		row = json_pack("{s:s?,s:O?}", "phrase", q, "article_id", a);
		err = kb_keyword_create(db, p, row, now, &id, v);
	} else {
		if (article <= 0 || kb_art_load(db, article, &art) != 0) {
			valid_add(v, "article_id", "%s",
			          v->en ? "Required: the id of an existing article."
			                : "Krävs: id för en artikel som finns.");
			return EBADMSG;
		}
		row = json_pack("{s:s?,s:O}", "word", q, "means", json_object_get(art, "title"));
		err = kb_synonym_put(db, p, row, now, &id, v);
	}
	json_decref(row);
	json_decref(art);
	if (err)
		return err;
	/* The question has its answer now: its open reports are closed. */
	err = db_prepare(db, &s,
	                 "UPDATE kb_flags SET status = 'closed', closed_by = ?2, closed_at = ?3,"
	                 " note = ?4 WHERE kind = 'missing' AND status = 'open'"
	                 " AND lower(trim(message)) = lower(trim(?1))",
	                 true);
	if (err)
		return err;
	char note[64];
	snprintf(note, sizeof(note), "Kopplad till artikel %lld", (long long)article);
	stmt_bind_text(s, 1, q);
	stmt_bind_int(s, 2, p->id);
	stmt_bind_int(s, 3, now);
	stmt_bind_text(s, 4, note);
	err = stmt_step(s);
	stmt_done(s);
	if (err != DB_DONE)
		return err;
	closed = db_changes(db);
	/* A search that missed with the same words is answered too. */
	err = kb_misses_resolve(db, q, article, now, &resolved);
	if (err)
		return err;
	*out = json_pack("{s:s,s:I,s:I,s:s,s:I,s:I}", "as", as, "id", (json_int_t)id, "article_id",
	                 (json_int_t)article, "question", q, "closed", (json_int_t)closed,
	                 "resolved_searches", (json_int_t)resolved);
	return *out ? 0 : ENOMEM;
}
