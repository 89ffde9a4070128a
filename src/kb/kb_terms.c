/* The search index's term dictionary: kb_terms kept in step with kb_fts, cached per connection. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kb/kb.h"
#include "kb/kb_int.h"
#include "store/db.h"
#include "text/text.h"

/* ================================================================================
 * Per-connection state
 * ================================================================================ */

static void dict_clear(struct kb_dict *d)
{
	free(d->term);
	free(d->df);
	free(d->nchars);
	free(d->mask);
	free(d->rev);
	free(d->rpool);
	free(d->roff);
	free(d->pool);
	*d = (struct kb_dict){0};
}

static void conn_free(void *p)
{
	struct kb_conn *c = p;

	dict_clear(&c->dict);
	if (c->words)
		kb_words_list_clear(c->words);
	free(c->words);
	text_stemmer_free(c->stemmer);
	free(c);
}

int kb_conn_get(struct db *db, struct kb_conn **cp)
{
	struct kb_conn *c = db_slot_get(db, DB_SLOT_KB);

	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c)
			return ENOMEM;
		c->stemmer = text_stemmer_new();
		c->exact_max_docs = KB_EXACT_MAX_DOCS;
		if (!c->stemmer || db_slot_set(db, DB_SLOT_KB, c, conn_free)) {
			text_stemmer_free(c->stemmer);
			free(c);
			return ENOMEM;
		}
	}
	*cp = c;
	return 0;
}

size_t kb_nchars(const char *w, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)w[i] & 0xc0) != 0x80;
	return c;
}

uint64_t kb_letter_mask(const char *w, size_t n)
{
	uint64_t m = 0;

	for (size_t i = 0; i < n;) {
		uint32_t c = (unsigned char)w[i++];
		while (i < n && ((unsigned char)w[i] & 0xc0) == 0x80)
			c = c * 64 + ((unsigned char)w[i++] & 0x3f);
		m |= (uint64_t)1 << (c % 64);
	}
	return m;
}

/* ================================================================================
 * Loading the dictionary
 * ================================================================================ */

static int cmp_rev_off(const void *a, const void *b, const char *pool)
{
	return strcmp(pool + *(const size_t *)a, pool + *(const size_t *)b);
}

/* Sort the reversed terms (offsets into `pool`, with their term indices) by a merge
 * sort, since qsort has no context argument in C11. */
static void sort_rev(size_t *off, size_t *idx, size_t *toff, size_t *tidx, size_t n,
                     const char *pool)
{
	if (n < 2)
		return;
	size_t h = n / 2;
	sort_rev(off, idx, toff, tidx, h, pool);
	sort_rev(off + h, idx + h, toff, tidx, n - h, pool);
	size_t i = 0, j = h, k = 0;
	while (i < h && j < n) {
		if (cmp_rev_off(&off[i], &off[j], pool) <= 0) {
			toff[k] = off[i];
			tidx[k++] = idx[i++];
		} else {
			toff[k] = off[j];
			tidx[k++] = idx[j++];
		}
	}
	while (i < h) {
		toff[k] = off[i];
		tidx[k++] = idx[i++];
	}
	while (j < n) {
		toff[k] = off[j];
		tidx[k++] = idx[j++];
	}
	memcpy(off, toff, n * sizeof(*off));
	memcpy(idx, tidx, n * sizeof(*idx));
}

static int dict_load(struct db *db, struct kb_dict *d)
{
	struct stmt *s;
	struct kb_buf pool = {0};
	size_t cap = 0, *off = NULL;
	int err, rc;

	/* Bytewise: on PostgreSQL the database's collation may be a language's. */
	err = db_prepare(db, &s,
	                 db_dialect(db) == DB_POSTGRES
	                         ? "SELECT term, df FROM kb_terms ORDER BY term COLLATE \"C\""
	                         : "SELECT term, df FROM kb_terms ORDER BY term",
	                 true);
	if (err)
		return err;
	while ((rc = stmt_step(s)) == DB_ROW) {
		const char *t = stmt_text(s, 0);
		if (d->n == cap) {
			cap = cap ? cap * 2 : 1024;
			size_t *o = realloc(off, cap * sizeof(*o));
			int64_t *f = o ? realloc(d->df, cap * sizeof(*f)) : NULL;
			if (o)
				off = o;
			if (f)
				d->df = f;
			if (!o || !f) {
				err = ENOMEM;
				break;
			}
		}
		off[d->n] = pool.n;
		d->df[d->n] = stmt_int(s, 1);
		kb_buf_add(&pool, t, strlen(t) + 1);
		d->n++;
	}
	stmt_done(s);
	if (!err && rc != DB_DONE)
		err = rc;
	if (!err && pool.oom)
		err = ENOMEM;
	d->pool = pool.p;
	if (err || d->n == 0)
		goto out;
	d->term = malloc(d->n * sizeof(*d->term));
	d->nchars = malloc(d->n);
	d->mask = malloc(d->n * sizeof(*d->mask));
	d->rev = malloc(d->n * sizeof(*d->rev));
	d->roff = malloc(d->n * sizeof(*d->roff));
	d->rpool = malloc(pool.n);
	size_t *toff = malloc(d->n * sizeof(*toff)), *tidx = malloc(d->n * sizeof(*tidx));
	if (!d->term || !d->nchars || !d->mask || !d->rev || !d->roff || !d->rpool || !toff ||
	    !tidx) {
		free(toff);
		free(tidx);
		err = ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < d->n; i++) {
		const char *t = d->pool + off[i];
		size_t len = strlen(t), nc = kb_nchars(t, len);
		d->term[i] = d->pool + off[i];
		d->nchars[i] = (uint8_t)(nc > 255 ? 255 : nc);
		d->mask[i] = kb_letter_mask(t, len);
		for (size_t k = 0; k < len; k++)
			d->rpool[off[i] + k] = t[len - 1 - k];
		d->rpool[off[i] + len] = '\0';
		d->roff[i] = off[i];
		d->rev[i] = i;
	}
	sort_rev(d->roff, d->rev, toff, tidx, d->n, d->rpool);
	free(toff);
	free(tidx);
out:
	free(off);
	return err;
}

int kb_dict_get(struct db *db, const struct kb_dict **dp)
{
	struct kb_conn *c;
	struct stmt *s;
	int64_t gen = 0, docs = 0;
	int err = kb_conn_get(db, &c);

	if (err)
		return err;
	err = db_prepare(db, &s, "SELECT gen, docs FROM kb_meta WHERE id = 1", true);
	if (err)
		return err;
	if (stmt_step(s) == DB_ROW) {
		gen = stmt_int(s, 0);
		docs = stmt_int(s, 1);
	}
	stmt_done(s);
	if (!c->dict.loaded || c->dict.gen != gen) {
		dict_clear(&c->dict);
		err = dict_load(db, &c->dict);
		if (err) {
			dict_clear(&c->dict);
			return err;
		}
		c->dict.gen = gen;
		c->dict.loaded = true;
	}
	c->dict.docs = docs;
	*dp = &c->dict;
	return 0;
}

/* ================================================================================
 * Keeping kb_terms in step
 * ================================================================================ */

/* The distinct terms of one index row with their counts per column. */
struct termset {
	struct kb_buf pool;
	struct tok {
		size_t off; /* into pool */
		int col;
	} * tok;
	size_t ntok, cap;
	int col;    /* the column being tokenized */
	int len[3]; /* tokens per column, as FTS5 counts them */
	struct term {
		const char *t;
		int tf[3];
	} * term; /* sorted, distinct, after termset_fill */
	size_t n;
};

static int term_h(void *arg, const char *tok, size_t n, size_t start, size_t end)
{
	struct termset *ts = arg;

	(void)start;
	(void)end;
	if (ts->ntok == ts->cap) {
		size_t cap = ts->cap ? ts->cap * 2 : 256;
		struct tok *o = realloc(ts->tok, cap * sizeof(*o));
		if (!o)
			return ENOMEM;
		ts->tok = o;
		ts->cap = cap;
	}
	ts->tok[ts->ntok++] = (struct tok){ts->pool.n, ts->col};
	ts->len[ts->col]++;
	kb_buf_add(&ts->pool, tok, n);
	kb_buf_add(&ts->pool, "", 1);
	return ts->pool.oom ? ENOMEM : 0;
}

static int cmp_term(const void *a, const void *b)
{
	return strcmp(((const struct term *)a)->t, ((const struct term *)b)->t);
}

/* Tokenize the row's columns exactly as the lotsen_sv tokenizer does for the index. */
static int termset_fill(struct termset *ts, struct sb_stemmer *st, const char *const *cols)
{
	struct term *all;
	size_t k = 0;
	int err = 0;

	for (ts->col = 0; ts->col < 3 && !err; ts->col++)
		if (cols[ts->col])
			err = text_tokenize(st, cols[ts->col], strlen(cols[ts->col]), term_h, ts);
	if (err || ts->ntok == 0)
		return err;
	all = calloc(ts->ntok, sizeof(*all));
	if (!all)
		return ENOMEM;
	for (size_t i = 0; i < ts->ntok; i++) {
		all[i].t = ts->pool.p + ts->tok[i].off;
		all[i].tf[ts->tok[i].col] = 1;
	}
	qsort(all, ts->ntok, sizeof(*all), cmp_term);
	for (size_t i = 0; i < ts->ntok; i++) {
		if (k > 0 && strcmp(all[k - 1].t, all[i].t) == 0) {
			for (int c = 0; c < 3; c++)
				all[k - 1].tf[c] += all[i].tf[c];
		} else {
			all[k++] = all[i];
		}
	}
	ts->term = all;
	ts->n = k;
	return 0;
}

static void termset_free(struct termset *ts)
{
	free(ts->pool.p);
	free(ts->tok);
	free(ts->term);
}

/* A JSON string of a term. Terms are letters and digits (the tokenizer splits at
 * everything else), so nothing needs escaping; a term that did would be a bug. */
static void json_term(struct kb_buf *b, const char *t)
{
	kb_buf_str(b, "\"");
	kb_buf_str(b, t);
	kb_buf_str(b, "\"");
}

static bool term_plain(const char *t)
{
	for (; *t; t++)
		if (*t == '"' || *t == '\\' || (unsigned char)*t < 0x20)
			return false;
	return true;
}

/* One statement per row and kind of change, the terms bound as a JSON array: a
 * statement per term made indexing twice as slow. */
static int step_json(struct db *db, const char *sql, const struct kb_buf *b, int64_t id,
                     bool with_id)
{
	struct stmt *s;
	int err;

	if (b->oom)
		return ENOMEM;
	if (b->n <= 2)
		return 0; /* "[]" */
	err = db_prepare(db, &s, sql, true);
	if (err)
		return err;
	stmt_bind_text(s, 1, b->p);
	if (with_id)
		stmt_bind_int(s, 2, id);
	err = stmt_step(s);
	stmt_done(s);
	return err == DB_DONE ? 0 : err;
}

/* Add (or remove) the row's postings whose impact is worth keeping. */
static int postings_put(struct db *db, int64_t id, const struct termset *ts, bool add)
{
	static const char ins[] =
	        "INSERT OR IGNORE INTO kb_postings(term, impact, doc)"
	        " SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), ?2"
	        " FROM json_each(?1)";
	static const char del[] =
	        "DELETE FROM kb_postings WHERE (term, impact, doc) IN"
	        " (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), ?2"
	        " FROM json_each(?1))";
	static const char ins_pg[] =
	        "INSERT INTO kb_postings(term, impact, doc)"
	        " SELECT j ->> 0, CAST(j ->> 1 AS bigint), ?2"
	        " FROM json_array_elements(CAST(?1 AS json)) AS j ON CONFLICT DO NOTHING";
	static const char del_pg[] = "DELETE FROM kb_postings WHERE (term, impact, doc) IN"
	                             " (SELECT j ->> 0, CAST(j ->> 1 AS bigint), CAST(?2 AS bigint)"
	                             " FROM json_array_elements(CAST(?1 AS json)) AS j)";
	bool pg = db_dialect(db) == DB_POSTGRES;
	struct kb_buf b = {0};
	int err;

	kb_buf_str(&b, "[");
	for (size_t i = 0; i < ts->n; i++) {
		int64_t imp = (int64_t)(text_impact(ts->term[i].tf, ts->len) * 1000.0 + 0.5);
		if (imp < KB_IMPACT_MIN || !term_plain(ts->term[i].t))
			continue;
		kb_buf_str(&b, b.n > 1 ? ",[" : "[");
		json_term(&b, ts->term[i].t);
		kb_buf_fmt(&b, ",%lld]", (long long)imp);
	}
	kb_buf_str(&b, "]");
	err = step_json(db, add ? (pg ? ins_pg : ins) : (pg ? del_pg : del), &b, id, true);
	free(b.p);
	return err;
}

/* PostgreSQL: the row's terms as a tsvector with one position per token, weighted by
 * column (title A, tags B, body D), and its tokens per column (kb_schema.c, migration 5).
 * A term's positions are counted for it alone (1, 2, …, at most 256, PostgreSQL's limit):
 * they carry how often it occurs where, which is what the ranking reads. */
static int pg_row_put(struct db *db, int64_t id, const struct termset *ts)
{
	static const char sql[] = "UPDATE kb_fts SET tsv = CAST(?1 AS tsvector), len_title = ?2,"
	                          " len_tags = ?3, len_body = ?4 WHERE rowid = ?5";
	static const char wt[3] = {'A', 'B', 'D'};
	struct kb_buf b = {0};
	struct stmt *s;
	int err;

	for (size_t i = 0; i < ts->n; i++) {
		int pos = 0;
		if (!term_plain(ts->term[i].t) || strchr(ts->term[i].t, '\''))
			return EBADMSG;
		kb_buf_fmt(&b, "%s'%s':", i ? " " : "", ts->term[i].t);
		for (int c = 0; c < 3; c++)
			for (int k = 0; k < ts->term[i].tf[c] && pos < 256; k++) {
				pos++;
				kb_buf_fmt(&b, "%s%d%c", pos > 1 ? "," : "", pos, wt[c]);
			}
	}
	kb_buf_add(&b, "", 1);
	if (b.oom) {
		free(b.p);
		return ENOMEM;
	}
	err = db_prepare(db, &s, sql, true);
	if (!err) {
		stmt_bind_text(s, 1, b.p);
		for (int c = 0; c < 3; c++)
			stmt_bind_int(s, 2 + c, ts->len[c]);
		stmt_bind_int(s, 5, id);
		err = stmt_step(s);
		err = err == DB_DONE ? 0 : err;
		stmt_done(s);
	}
	free(b.p);
	return err;
}

int kb_terms_change(struct db *db, int64_t id, const char *const *old, const char *const *cur)
{
	static const char inc[] =
	        "INSERT INTO kb_terms(term, df) SELECT value, 1 FROM json_each(?1)"
	        " WHERE true ON CONFLICT (term) DO UPDATE SET df = df + 1";
	static const char dec[] = "UPDATE kb_terms SET df = df - 1"
	                          " WHERE term IN (SELECT value FROM json_each(?1))";
	static const char del[] = "DELETE FROM kb_terms WHERE df <= 1"
	                          " AND term IN (SELECT value FROM json_each(?1))";
	struct termset a = {0}, b = {0};
	struct kb_buf gone = {0}, came = {0};
	struct kb_conn *c;
	struct stmt *s;
	size_t i = 0, j = 0;
	int err;

	err = kb_conn_get(db, &c);

	if (!err && old)
		err = termset_fill(&a, c->stemmer, old);
	if (!err && cur)
		err = termset_fill(&b, c->stemmer, cur);
	/* Both lists are sorted: one walk finds the terms that left and those that came. */
	kb_buf_str(&gone, "[");
	kb_buf_str(&came, "[");
	while (!err && (i < a.n || j < b.n)) {
		int d = i == a.n ? 1 : j == b.n ? -1 : strcmp(a.term[i].t, b.term[j].t);
		const char *t = d < 0 ? a.term[i].t : b.term[j].t;
		struct kb_buf *to = d < 0 ? &gone : &came;
		if (d <= 0)
			i++;
		if (d >= 0)
			j++;
		if (d == 0)
			continue;
		if (!term_plain(t)) {
			err = EBADMSG;
			break;
		}
		if (to->n > 1)
			kb_buf_str(to, ",");
		json_term(to, t);
	}
	kb_buf_str(&gone, "]");
	kb_buf_str(&came, "]");
	/* Terms this row held alone go first; then the others count one row less. */
	if (!err)
		err = step_json(db, del, &gone, 0, false);
	if (!err)
		err = step_json(db, dec, &gone, 0, false);
	if (!err)
		err = step_json(db, inc, &came, 0, false);
	if (!err)
		err = postings_put(db, id, &a, false);
	if (!err)
		err = postings_put(db, id, &b, true);
	if (!err && cur && db_dialect(db) == DB_POSTGRES)
		err = pg_row_put(db, id, &b);
	/* A new random generation (PostgreSQL's random() is a fraction). */
	if (!err)
		err = db_prepare(
		        db, &s,
		        db_dialect(db) == DB_POSTGRES
		                ? "UPDATE kb_meta SET gen = floor(random() * 9007199254740991),"
		                  " docs = docs + ? WHERE id = 1"
		                : "UPDATE kb_meta SET gen = random(), docs = docs + ? WHERE id = 1",
		        true);
	if (!err) {
		stmt_bind_int(s, 1, (old ? -1 : 0) + (cur ? 1 : 0));
		err = stmt_step(s);
		err = err == DB_DONE ? 0 : err;
		stmt_done(s);
	}
	free(gone.p);
	free(came.p);
	termset_free(&a);
	termset_free(&b);
	return err;
}

int kb_postings_backfill(struct db *db)
{
	struct stmt *s;
	struct kb_conn *c;
	int64_t posted = 1;
	int err = db_prepare(db, &s, "SELECT posted FROM kb_meta WHERE id = 1", true);

	if (err)
		return err;
	if (stmt_step(s) == DB_ROW)
		posted = stmt_int(s, 0);
	stmt_done(s);
	if (posted)
		return 0;
	err = kb_conn_get(db, &c);
	if (!err)
		err = db_begin(db);
	if (err)
		return err;
	s = NULL;
	err = db_prepare(db, &s, "SELECT rowid, title, tags, body FROM kb_fts", false);
	while (!err) {
		int rc = stmt_step(s);
		if (rc != DB_ROW) {
			err = rc == DB_DONE ? 0 : rc;
			break;
		}
		struct termset ts = {0};
		const char *cols[3] = {stmt_text(s, 1), stmt_text(s, 2), stmt_text(s, 3)};
		/* PostgreSQL's index has its terms, their dictionary and postings from
		 * kb_terms_change (kb_schema.c, migration 5). */
		if (db_dialect(db) == DB_POSTGRES) {
			err = kb_terms_change(db, stmt_int(s, 0), NULL, cols);
			continue;
		}
		err = termset_fill(&ts, c->stemmer, cols);
		if (!err)
			err = postings_put(db, stmt_int(s, 0), &ts, true);
		termset_free(&ts);
	}
	if (s)
		stmt_done(s);
	if (!err)
		err = db_exec(db, "UPDATE kb_meta SET posted = 1 WHERE id = 1");
	if (err) {
		db_rollback(db);
		return err;
	}
	return db_commit(db);
}
