/* Swedish text for FTS5: the "lotsen_sv" tokenizer (Snowball stems), the "kb_rank"
 * ranking function (BM25F over a title, tags and body) and MATCH queries built the same
 * way; used by the knowledge base and by case search. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libstemmer.h>
#include <sqlite3.h>

#include "text/text.h"

/* ================================================================================
 * Words
 * ================================================================================ */

/* Snowball's Swedish stop list plus words every question carries ("hur", "får", "ska"). */
static const char *const stopwords[] = {
        "alla",   "allt",   "att",    "av",     "blev",   "bli",    "blir",  "blivit", "de",
        "dem",    "den",    "denna",  "deras",  "dess",   "dessa",  "det",   "detta",  "dig",
        "din",    "dina",   "ditt",   "du",     "där",    "då",     "efter", "ej",     "eller",
        "en",     "er",     "era",    "ert",    "ett",    "finns",  "från",  "får",    "för",
        "ha",     "hade",   "han",    "hans",   "har",    "hej",    "henne", "hennes", "hon",
        "honom",  "hur",    "här",    "i",      "icke",   "ingen",  "inom",  "inte",   "jag",
        "ju",     "kan",    "kunde",  "man",    "med",    "mellan", "men",   "mig",    "min",
        "mina",   "mitt",   "mot",    "mycket", "ni",     "nu",     "när",   "någon",  "något",
        "några",  "och",    "om",     "oss",    "på",     "samma",  "sedan", "sig",    "sin",
        "sina",   "sitta",  "själv",  "ska",    "skall",  "skulle", "som",   "så",     "sådan",
        "sådana", "sådant", "till",   "under",  "undrar", "upp",    "ut",    "utan",   "vad",
        "var",    "vara",   "varför", "varit",  "varje",  "vars",   "vart",  "vem",    "vi",
        "vid",    "vilka",  "vilkas", "vilken", "vilket", "vill",   "vår",   "våra",   "vårt",
        "än",     "är",     "åt",     "över",
};

/* The list must stay in byte order for bsearch (test_kb_search checks it). */
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

bool text_stopword(const char *w, size_t n)
{
	char key[TEXT_TOKEN_MAX + 1];
	const char *k = key;

	if (n > TEXT_TOKEN_MAX)
		return false;
	memcpy(key, w, n);
	key[n] = '\0';
	return bsearch(&k, stopwords, sizeof(stopwords) / sizeof(stopwords[0]),
	               sizeof(stopwords[0]), cmp_str) != NULL;
}

const char *const *text_stopwords(size_t *n)
{
	*n = sizeof(stopwords) / sizeof(stopwords[0]);
	return stopwords;
}

struct sb_stemmer *text_stemmer_new(void)
{
	return sb_stemmer_new("swedish", "UTF_8");
}

void text_stemmer_free(struct sb_stemmer *s)
{
	if (s)
		sb_stemmer_delete(s);
}

/* Decode one UTF-8 sequence; invalid bytes come out as U+FFFD, one byte long. */
static uint32_t utf8_next(const unsigned char *p, size_t n, size_t *len)
{
	if (p[0] < 0x80) {
		*len = 1;
		return p[0];
	}
	if ((p[0] & 0xe0) == 0xc0 && n >= 2 && (p[1] & 0xc0) == 0x80) {
		*len = 2;
		return ((uint32_t)(p[0] & 0x1f) << 6) | (p[1] & 0x3f);
	}
	if ((p[0] & 0xf0) == 0xe0 && n >= 3 && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80) {
		*len = 3;
		return ((uint32_t)(p[0] & 0x0f) << 12) | ((uint32_t)(p[1] & 0x3f) << 6) |
		       (p[2] & 0x3f);
	}
	if ((p[0] & 0xf8) == 0xf0 && n >= 4 && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80 &&
	    (p[3] & 0xc0) == 0x80) {
		*len = 4;
		return ((uint32_t)(p[0] & 0x07) << 18) | ((uint32_t)(p[1] & 0x3f) << 12) |
		       ((uint32_t)(p[2] & 0x3f) << 6) | (p[3] & 0x3f);
	}
	*len = 1;
	return 0xfffd;
}

static size_t utf8_put(uint32_t c, char *out)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | (c >> 12));
		out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (c >> 18));
	out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* Lower-case and fold a code point; 0 for a separator. Swedish keeps å ä ö apart from
 * a and o (they are letters of their own), other accents fold away so that "idé" and
 * "ide" meet. */
static uint32_t fold(uint32_t c)
{
	static const char latin1[] = /* U+00C0 … U+00FF, '.' separates */
	        "aaaaaaaceeeeiiiidnooooo.ouuuuyts"
	        "aaaaaaaceeeeiiiidnooooo.ouuuuyty";

	if (c < 0x80) {
		if (c >= 'A' && c <= 'Z')
			return c + 32;
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			return c;
		return 0;
	}
	if (c < 0xc0)
		return 0;
	if (c <= 0xff) {
		/* Keep å, ä, ö (and their capitals) exactly. */
		if (c == 0xc5 || c == 0xe5)
			return 0xe5;
		if (c == 0xc4 || c == 0xe4 || c == 0xc6 || c == 0xe6)
			return 0xe4;
		if (c == 0xd6 || c == 0xf6 || c == 0xd8 || c == 0xf8)
			return 0xf6;
		char f = latin1[c - 0xc0];
		return f == '.' ? 0 : (uint32_t)(unsigned char)f;
	}
	if (c >= 0x100 && c <= 0x17f)
		return c | 1; /* Latin Extended-A pairs capitals at even code points */
	if ((c >= 0x2000 && c <= 0x206f) || (c >= 0x2190 && c <= 0x2bff) || c == 0xfffd ||
	    (c >= 0x3000 && c <= 0x303f) || (c >= 0xfe00 && c <= 0xfe6f))
		return 0;
	return c;
}

static bool has_digit(const char *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (w[i] >= '0' && w[i] <= '9')
			return true;
	return false;
}

static size_t utf8_chars(const char *w, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)w[i] & 0xc0) != 0x80;
	return c;
}

static size_t snowball(struct sb_stemmer *stemmer, char *w, size_t n)
{
	const sb_symbol *st = sb_stemmer_stem(stemmer, (const sb_symbol *)w, (int)n);
	size_t m;

	if (!st)
		return n;
	m = (size_t)sb_stemmer_length(stemmer);
	if (m > n)
		return n;
	memmove(w, st, m);
	return m;
}

/* Snowball's Swedish stemmer leaves the definite forms in -an and -et ("förskolan",
 * "bygglovet") and removes a final s only when no other ending went first ("platser" →
 * "plats" but "plats" → "plat"). Cutting those too brings the forms of one word to one
 * stem; the cost is a few collisions between short words. */
size_t text_stem(struct sb_stemmer *stemmer, char *w, size_t n)
{
	static const char s_ending[] = "bcdfghjklmnoprtvy"; /* Snowball's valid s-endings */

	n = snowball(stemmer, w, n);
	if (n >= 2 && utf8_chars(w, n) >= 5 &&
	    ((w[n - 2] == 'a' && w[n - 1] == 'n') || (w[n - 2] == 'e' && w[n - 1] == 't')))
		n -= 2;
	if (n >= 2 && utf8_chars(w, n) >= 5 && w[n - 1] == 's' && strchr(s_ending, w[n - 2]))
		n--;
	return n;
}

static int emit(struct sb_stemmer *stemmer, char *w, size_t n, size_t nchars, size_t start,
                size_t end, text_token_h *h, void *arg)
{
	if (nchars < 2 && !has_digit(w, n))
		return 0;
	if (!stemmer || has_digit(w, n))
		return h(arg, w, n, start, end);
	if (text_stopword(w, n))
		return 0;
	return h(arg, w, text_stem(stemmer, w, n), start, end);
}

int text_tokenize(struct sb_stemmer *stemmer, const char *text, size_t len, text_token_h *h,
                  void *arg)
{
	const unsigned char *p = (const unsigned char *)text;
	char w[TEXT_TOKEN_MAX + 4];
	size_t i = 0, n = 0, nchars = 0, start = 0, end = 0;
	int err;

	while (i < len) {
		size_t cl;
		uint32_t c = fold(utf8_next(p + i, len - i, &cl));

		if (c) {
			if (n == 0)
				start = i;
			if (n + 4 <= TEXT_TOKEN_MAX) {
				n += utf8_put(c, w + n);
				nchars++;
			}
			end = i + cl;
		} else if (n) {
			err = emit(stemmer, w, n, nchars, start, end, h, arg);
			if (err)
				return err;
			n = nchars = 0;
		}
		i += cl;
	}
	if (n)
		return emit(stemmer, w, n, nchars, start, end, h, arg);
	return 0;
}

/* ================================================================================
 * The FTS5 tokenizer
 * ================================================================================ */

struct sv_tokenizer {
	struct sb_stemmer *stemmer; /* one per instance: Snowball keeps state while stemming */
};

struct sv_ctx {
	void *fts_ctx;
	int (*token)(void *, int, const char *, int, int, int);
};

static int sv_create(void *ud, const char **args, int nargs, Fts5Tokenizer **out)
{
	struct sv_tokenizer *t = calloc(1, sizeof(*t));

	if (!t)
		return SQLITE_NOMEM;
	t->stemmer = text_stemmer_new();
	if (!t->stemmer) {
		free(t);
		return SQLITE_ERROR;
	}
	*out = (Fts5Tokenizer *)t;
	return SQLITE_OK;
}

static void sv_delete(Fts5Tokenizer *tok)
{
	struct sv_tokenizer *t = (struct sv_tokenizer *)tok;

	text_stemmer_free(t->stemmer);
	free(t);
}

static int sv_token_h(void *arg, const char *tok, size_t n, size_t start, size_t end)
{
	struct sv_ctx *c = arg;

	return c->token(c->fts_ctx, 0, tok, (int)n, (int)start, (int)end);
}

/* Documents (and snippets of them) are stemmed. Queries are not: kb_search builds every
 * MATCH expression from terms already in the index, which must pass through unchanged. */
static int sv_tokenize(Fts5Tokenizer *tok, void *ctx, int flags, const char *text, int n,
                       int (*token)(void *, int, const char *, int, int, int))
{
	struct sv_tokenizer *t = (struct sv_tokenizer *)tok;
	struct sv_ctx c = {ctx, token};
	bool query = (flags & FTS5_TOKENIZE_QUERY) != 0;
	int err;

	err = text_tokenize(query ? NULL : t->stemmer, text, (size_t)n, sv_token_h, &c);
	if (err == ENOMEM)
		return SQLITE_NOMEM;
	return err;
}

/* ================================================================================
 * Ranking: BM25F over title, tags and body, one score per query word
 * ================================================================================ */

#define RANK_MAX_PHRASES 512

static const double col_weight[3] = {4.0, 3.0, 1.0}; /* title, tags, body */
/* Length normalization per column: titles and tag lists are short by nature, and a
 * tag list longer than most is no sign of a less relevant article. */
static const double col_b[3] = {0.3, 0.2, 0.75};
static const double k1 = 1.2;

/* Column lengths the stored impacts are normalized by: about the demo corpus's averages.
 * Fixed, so that an impact computed when an article is indexed can be computed again,
 * to the same value, when it leaves the index. */
static const double ref_avg[3] = {6.0, 4.0, 120.0};

double text_impact(const int tf[3], const int len[3])
{
	double tfw = 0;

	for (int c = 0; c < 3; c++)
		if (tf[c])
			tfw += col_weight[c] * tf[c] /
			       (1.0 - col_b[c] + col_b[c] * len[c] / ref_avg[c]);
	return tfw > 0 ? tfw * (k1 + 1.0) / (tfw + k1) : 0.0;
}

double text_idf(int64_t docs, int64_t df)
{
	return log(1.0 + ((double)docs - (double)df + 0.5) / ((double)df + 0.5));
}

double text_rank_score(const struct text_rank_phrase *ph, int n, int ngroups, const int (*tf)[3],
                       const double len[3], const double avg[3])
{
	double best[TEXT_RANK_MAX_GROUPS][TEXT_RANK_MAX_SUBS];
	double total = 0;
	int matched = 0;

	memset(best, 0, sizeof(best));
	if (ngroups > TEXT_RANK_MAX_GROUPS)
		ngroups = TEXT_RANK_MAX_GROUPS;
	for (int p = 0; p < n; p++) {
		double tfw = 0, s;
		int g = ph[p].group, sub = ph[p].sub;
		if (g < 0 || g >= TEXT_RANK_MAX_GROUPS)
			g = TEXT_RANK_MAX_GROUPS - 1;
		if (sub < 0 || sub >= TEXT_RANK_MAX_SUBS)
			sub = TEXT_RANK_MAX_SUBS - 1;
		for (int c = 0; c < 3; c++)
			if (tf[p][c])
				tfw += col_weight[c] * tf[p][c] /
				       (1.0 - col_b[c] + col_b[c] * len[c] / avg[c]);
		if (tfw <= 0)
			continue;
		s = ph[p].w * tfw * (k1 + 1.0) / (tfw + k1);
		if (s > best[g][sub])
			best[g][sub] = s;
	}
	/* A word counts once, by its best form: the word itself (or an inflection, a compound
	 * containing it, a near spelling) or the sum of the parts it was split into. */
	for (int g = 0; g < ngroups; g++) {
		double parts = 0, gs;
		for (int s = 1; s < TEXT_RANK_MAX_SUBS; s++)
			parts += best[g][s];
		gs = best[g][0] > parts ? best[g][0] : parts;
		if (gs > 0)
			matched++;
		total += gs;
	}
	/* Hits that cover more of the question's words come first. */
	if (ngroups > 0)
		total *= 0.4 + 0.6 * (double)matched / ngroups;
	return total;
}

/* Per query: what each phrase stands for, parsed once from kb_rank's second argument
 * "g,s,w,df;…" (query word, part of a compound or 0 for the whole word, weight, number
 * of documents with the term). */
struct rank_spec {
	int nphrase;
	int ngroups;
	struct text_rank_phrase ph[RANK_MAX_PHRASES];
	double avg[3];
	int tf[RANK_MAX_PHRASES][3];
};

static struct rank_spec *spec_parse(const Fts5ExtensionApi *api, Fts5Context *fts, const char *s)
{
	struct rank_spec *r = calloc(1, sizeof(*r));
	sqlite3_int64 nrow = 0, total;

	if (!r)
		return NULL;
	api->xRowCount(fts, &nrow);
	for (int c = 0; c < 3; c++) {
		total = 0;
		api->xColumnTotalSize(fts, c, &total);
		r->avg[c] = nrow > 0 && total > 0 ? (double)total / (double)nrow : 1.0;
	}
	while (s && *s && r->nphrase < RANK_MAX_PHRASES) {
		char *end;
		long g = strtol(s, &end, 10);
		long sub = *end == ',' ? strtol(end + 1, &end, 10) : 0;
		double w = *end == ',' ? strtod(end + 1, &end) : 1.0;
		double df = *end == ',' ? strtod(end + 1, &end) : 1.0;
		int i = r->nphrase++;

		if (g < 0 || g >= TEXT_RANK_MAX_GROUPS)
			g = TEXT_RANK_MAX_GROUPS - 1;
		if (sub < 0 || sub >= TEXT_RANK_MAX_SUBS)
			sub = TEXT_RANK_MAX_SUBS - 1;
		r->ph[i].group = (int)g;
		r->ph[i].sub = (int)sub;
		r->ph[i].w = w * text_idf((int64_t)nrow, (int64_t)df);
		if (g + 1 > r->ngroups)
			r->ngroups = (int)g + 1;
		s = strchr(end, ';');
		if (s)
			s++;
	}
	return r;
}

static void rank_fn(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int nval,
                    sqlite3_value **vals)
{
	struct rank_spec *r = api->xGetAuxdata(fts, 0);
	double len[3];
	int ninst = 0;

	if (!r) {
		r = spec_parse(api, fts,
		               nval > 0 ? (const char *)sqlite3_value_text(vals[0]) : NULL);
		if (!r || api->xSetAuxdata(fts, r, free) != SQLITE_OK) {
			sqlite3_result_error_nomem(ctx);
			return;
		}
	}
	for (int c = 0; c < 3; c++) {
		int n = 0;
		api->xColumnSize(fts, c, &n);
		len[c] = n;
	}
	memset(r->tf, 0, sizeof(r->tf));
	api->xInstCount(fts, &ninst);
	for (int i = 0; i < ninst; i++) {
		int ph, col, off;
		if (api->xInst(fts, i, &ph, &col, &off) == SQLITE_OK && ph < r->nphrase && col < 3)
			r->tf[ph][col]++;
	}
	sqlite3_result_double(ctx, text_rank_score(r->ph, r->nphrase, r->ngroups,
	                                           (const int(*)[3])r->tf, len, r->avg));
}

/* ================================================================================
 * Registration
 * ================================================================================ */

static fts5_api *fts5_api_get(sqlite3 *h)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(h, "SELECT fts5(?1)", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
	return api;
}

int text_fts_register(void *handle)
{
	static const fts5_tokenizer tok = {sv_create, sv_delete, sv_tokenize};
	sqlite3 *h = handle;
	fts5_api *api = h ? fts5_api_get(h) : NULL;
	void *ud = NULL;
	fts5_tokenizer have;

	if (!api)
		return EIO;
	if (api->xFindTokenizer(api, "lotsen_sv", &ud, &have) == SQLITE_OK)
		return 0;
	if (api->xCreateTokenizer(api, "lotsen_sv", NULL, (fts5_tokenizer *)&tok, NULL) !=
	    SQLITE_OK)
		return EIO;
	if (api->xCreateFunction(api, "kb_rank", NULL, rank_fn, NULL) != SQLITE_OK)
		return EIO;
	return 0;
}

struct terms_ctx {
	FILE *f; /* the MATCH expression being written (open_memstream) */
	size_t n;
};

static int term_h(void *arg, const char *tok, size_t n, size_t start, size_t end)
{
	struct terms_ctx *c = arg;

	(void)start;
	(void)end;
	/* A one-character word ("5") is in too many rows to be a search. */
	if (n < 2)
		return 0;
	/* Tokens are letters and digits only (fold() drops everything else), so a quoted
	 * token needs no escaping. */
	if (fprintf(c->f, "%s\"%.*s\"", c->n++ ? " " : "", (int)n, tok) < 0)
		return ENOMEM;
	return 0;
}

int text_fts_query(const char *text, char **match, size_t *nterms)
{
	struct terms_ctx c = {NULL, 0};
	struct sb_stemmer *st;
	char *buf = NULL;
	size_t len = 0;
	int err;

	*match = NULL;
	*nterms = 0;
	if (!text)
		return EINVAL;
	c.f = open_memstream(&buf, &len);
	if (!c.f)
		return ENOMEM;
	st = text_stemmer_new();
	if (!st) {
		fclose(c.f);
		free(buf);
		return ENOMEM;
	}
	err = text_tokenize(st, text, strlen(text), term_h, &c);
	text_stemmer_free(st);
	if (fclose(c.f) != 0 && !err)
		err = ENOMEM;
	if (!err && c.n == 0)
		err = ENOENT;
	if (err) {
		free(buf);
		return err;
	}
	*match = buf;
	*nterms = c.n;
	return 0;
}
