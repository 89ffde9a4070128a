/* Search: the question's words are stemmed, then matched against the index's term dictionary
 * (kb_terms, cached per connection) as the word itself, its inflections, compounds that
 * contain it, the parts of a compound, near spellings and a few synonyms; kb_rank scores
 * each word once, or in a large index the terms' best documents from kb_postings do. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb/kb.h"
#include "kb/kb_int.h"
#include "store/db.h"
#include "text/text.h"

#define MAX_WORDS       16  /* query words considered */
#define MAX_PHRASES     400 /* terms in one MATCH expression */
#define MAX_PREFIX      40  /* inflections and compounds per word */
#define MAX_SUFFIX      30
#define MAX_SUFFIX_SCAN 4096 /* compounds looked at per word before the first MAX_SUFFIX */
#define MAX_FUZZY       8
#define OWN_GROUP_BOOST 1.5 /* an agent's own groups first when the match is as good */
/* Up to KB_EXACT_MAX_DOCS indexed articles kb_rank scores every article holding a query word
 * (kb_conn.exact_max_docs, which tests lower). That costs some 3 µs per matching article,
 * and in a large index common words are in tens of thousands: there the search reads
 * each term's best documents from kb_postings instead, which leaves out an article's
 * words mentioned only once in a long body (recall@1 on the demo corpus: 0.966 exact,
 * 0.920 that way). */
#define POST_PHRASES    24   /* the query's most telling terms read from kb_postings */
#define POST_PER_TERM   200  /* best documents read per term */
#define POST_SUBS       5    /* the whole word and up to four parts of a compound */
#define POST_MAX_CHECKS 1000 /* candidates checked for visibility, best first */

/* ---- the vocabulary of the index (kb_terms, cached per connection) ---- */

/* First index whose term is >= key (bytewise). */
static size_t lower_bound(const struct kb_dict *v, const char *key, size_t n)
{
	size_t lo = 0, hi = v->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strncmp(v->term[mid], key, n);
		if (c == 0)
			c = v->term[mid][n] == '\0' ? 0 : 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static long vocab_find(const struct kb_dict *v, const char *key, size_t n)
{
	size_t i = lower_bound(v, key, n);

	if (i < v->n && strncmp(v->term[i], key, n) == 0 && v->term[i][n] == '\0')
		return (long)i;
	return -1;
}

static size_t nchars(const char *w, size_t n)
{
	return kb_nchars(w, n);
}

/* ---- the phrases of one query ---- */

struct phrase {
	size_t term; /* index into the vocabulary */
	int group;   /* query word */
	int sub;     /* 0: the word; 1…: a part of the compound */
	double w;    /* how sure the match is (1 exact … 0.5 distant) */
};

struct plan {
	const struct kb_dict *v;
	const struct kb_words_list *wl; /* the municipality's synonyms and search words */
	struct sb_stemmer *stemmer;
	char qs[2 * MAX_WORDS][TEXT_TOKEN_MAX + 1]; /* the query's stems and base forms' stems */
	int nqs;
	struct phrase ph[MAX_PHRASES];
	size_t n;
	int ngroups;
};

static void add(struct plan *p, size_t term, int group, int sub, double w)
{
	for (size_t i = 0; i < p->n; i++) {
		struct phrase *q = &p->ph[i];
		if (q->term == term && q->group == group && q->sub == sub) {
			if (w > q->w)
				q->w = w;
			return;
		}
	}
	if (p->n < MAX_PHRASES)
		p->ph[p->n++] = (struct phrase){term, group, sub, w};
}

/* The word itself and the longer terms that start with it: inflections the stemmer
 * left apart and compounds whose first part it is ("förskol" → "förskoleplat"). */
static size_t add_prefixed(struct plan *p, const char *t, size_t n, int group, int sub,
                           double scale, bool compounds)
{
	const struct kb_dict *v = p->v;
	size_t tc = nchars(t, n), found = 0;

	for (size_t i = lower_bound(v, t, n); i < v->n && found < MAX_PREFIX; i++) {
		const char *term = v->term[i];
		if (strncmp(term, t, n) != 0)
			break;
		size_t extra = nchars(term, strlen(term)) - tc;
		double w;
		if (extra == 0)
			w = 1.0;
		else if (extra <= (tc >= 4 ? 2u : 1u) && tc >= 3)
			w = 0.9; /* an inflection; short stems get less slack ("bil" is not "bilag")
			          */
		else if (compounds && tc >= 4)
			w = 0.7;
		else if (compounds && tc == 3)
			w = 0.5; /* "öpp" → "öppettid": short heads are often something else */
		else
			continue;
		add(p, i, group, sub, w * scale);
		found++;
	}
	return found;
}

/* Forms whose stem came out one letter shorter or different at the end, which Snowball
 * does with some inflections ("kontaktcenter" → "kontaktcent", "kontaktcentret" →
 * "kontaktcentr"): terms sharing all but the last letter and at most two letters longer. */
static void add_slack(struct plan *p, const char *t, size_t n, int group)
{
	const struct kb_dict *v = p->v;
	size_t tc = nchars(t, n), cut = n, found = 0;

	if (tc < 5)
		return;
	while (cut > 0 && ((unsigned char)t[cut - 1] & 0xc0) == 0x80)
		cut--;
	cut--; /* the last character's first byte */
	for (size_t i = lower_bound(v, t, cut); i < v->n && found < MAX_PREFIX; i++) {
		const char *term = v->term[i];
		if (strncmp(term, t, cut) != 0)
			break;
		if (nchars(term, strlen(term)) > tc + 2)
			continue;
		add(p, i, group, 0, 0.8);
		found++;
	}
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return (x > y) - (x < y);
}

/* Compounds whose last part is the word ("tillstånd" → "parkeringstillstånd"): a prefix
 * range of the reversed terms, taken in the dictionary's order. */
static void add_suffixed(struct plan *p, const char *t, size_t n, int group)
{
	const struct kb_dict *v = p->v;
	size_t tc = nchars(t, n), lo = 0, hi = v->n, found = 0;
	size_t hits[MAX_SUFFIX_SCAN];
	char r[TEXT_TOKEN_MAX + 1];

	if (tc < 4 || n > TEXT_TOKEN_MAX)
		return;
	for (size_t k = 0; k < n; k++)
		r[k] = t[n - 1 - k];
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (strncmp(v->rpool + v->roff[mid], r, n) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < v->n && found < MAX_SUFFIX_SCAN; i++) {
		const char *rt = v->rpool + v->roff[i];
		if (strncmp(rt, r, n) != 0)
			break;
		if (strlen(rt) >= n + 3)
			hits[found++] = v->rev[i];
	}
	qsort(hits, found, sizeof(hits[0]), cmp_size);
	for (size_t k = 0; k < found && k < MAX_SUFFIX; k++)
		add(p, hits[k], group, 0, tc >= 5 ? 0.65 : 0.5);
}

/* Is `r` a word of the index, allowing the stemmer's and inflections' slack? */
static bool part_ok(const struct plan *p, const char *r, size_t n)
{
	char buf[TEXT_TOKEN_MAX + 1];
	size_t i;

	if (nchars(r, n) < 3 || n > TEXT_TOKEN_MAX)
		return false;
	i = lower_bound(p->v, r, n);
	if (i < p->v->n && strncmp(p->v->term[i], r, n) == 0 &&
	    nchars(p->v->term[i], strlen(p->v->term[i])) <= nchars(r, n) + 2)
		return true;
	memcpy(buf, r, n);
	return vocab_find(p->v, buf, text_stem(p->stemmer, buf, n)) >= 0;
}

struct part {
	size_t off, n;
};

/* Split a compound into words of the index, longest first part first, allowing the
 * joining letters of Swedish compounds ("parkering|s|tillstånd", "förskol|e|plat",
 * "hyr|es|lägen", "gat|u|belysning"). */
static int split(const struct plan *p, const char *t, size_t off, size_t n, int depth,
                 struct part *parts, int max)
{
	static const char *const links[] = {"", "s", "e", "es", "u", "o", "a"};

	if (max < 2)
		return 0;
	for (size_t i = n; i-- > 3;) {
		if (((unsigned char)t[off + i] & 0xc0) == 0x80)
			continue;
		if (nchars(t + off, i) < 3 || vocab_find(p->v, t + off, i) < 0)
			continue;
		for (size_t l = 0; l < sizeof(links) / sizeof(links[0]); l++) {
			size_t ll = strlen(links[l]);
			if (i + ll >= n || strncmp(t + off + i, links[l], ll) != 0)
				continue;
			size_t roff = off + i + ll, rn = n - i - ll;
			if (part_ok(p, t + roff, rn)) {
				parts[0] = (struct part){off, i};
				parts[1] = (struct part){roff, rn};
				return 2;
			}
			if (depth < 2) {
				int k = split(p, t, roff, rn, depth + 1, parts + 1, max - 1);
				if (k) {
					parts[0] = (struct part){off, i};
					return k + 1;
				}
			}
		}
	}
	return 0;
}

/* Damerau-Levenshtein distance over code points, giving up beyond `max`. */
static int distance(const char *a, size_t an, const char *b, size_t bn, int max)
{
	uint32_t ca[TEXT_TOKEN_MAX], cb[TEXT_TOKEN_MAX];
	int d[TEXT_TOKEN_MAX + 1][TEXT_TOKEN_MAX + 1];
	size_t n = 0, m = 0;

	for (size_t i = 0; i < an && n < TEXT_TOKEN_MAX;) {
		unsigned char c = (unsigned char)a[i];
		size_t l = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
		uint32_t x = 0;
		for (size_t k = 0; k < l && i + k < an; k++)
			x = (x << 8) | (unsigned char)a[i + k];
		ca[n++] = x;
		i += l;
	}
	for (size_t i = 0; i < bn && m < TEXT_TOKEN_MAX;) {
		unsigned char c = (unsigned char)b[i];
		size_t l = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
		uint32_t x = 0;
		for (size_t k = 0; k < l && i + k < bn; k++)
			x = (x << 8) | (unsigned char)b[i + k];
		cb[m++] = x;
		i += l;
	}
	if ((n > m ? n - m : m - n) > (size_t)max)
		return max + 1;
	for (size_t i = 0; i <= n; i++)
		d[i][0] = (int)i;
	for (size_t j = 0; j <= m; j++)
		d[0][j] = (int)j;
	for (size_t i = 1; i <= n; i++) {
		int rowmin = max + 1;
		for (size_t j = 1; j <= m; j++) {
			int cost = ca[i - 1] != cb[j - 1];
			int x = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < x)
				x = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < x)
				x = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && ca[i - 1] == cb[j - 2] && ca[i - 2] == cb[j - 1] &&
			    d[i - 2][j - 2] + 1 < x)
				x = d[i - 2][j - 2] + 1;
			d[i][j] = x;
			if (x < rowmin)
				rowmin = x;
		}
		if (rowmin > max)
			return max + 1;
	}
	return d[n][m];
}

/* Near spellings for a word the index does not know: one edit for short words, two for
 * long ones, the commonest terms first when several are as near. */
static void add_fuzzy(struct plan *p, const char *t, size_t n, int group)
{
	size_t tc = nchars(t, n);
	int max = tc >= 8 ? 2 : tc >= 4 ? 1 : 0;
	size_t best[MAX_FUZZY];
	int bestd[MAX_FUZZY];
	size_t nb = 0;
	uint64_t mask = kb_letter_mask(t, n);

	if (!max)
		return;
	for (size_t i = 0; i < p->v->n; i++) {
		/* Cheap bounds first: each edit changes the length by at most one letter and
		 * the set of letters by at most two. */
		size_t len = p->v->nchars[i];
		if ((len > tc ? len - tc : tc - len) > (size_t)max ||
		    __builtin_popcountll(mask ^ p->v->mask[i]) > 2 * max)
			continue;
		const char *term = p->v->term[i];
		int d = distance(t, n, term, strlen(term), max);
		if (d > max || d == 0)
			continue;
		if (nb < MAX_FUZZY) {
			best[nb] = i;
			bestd[nb++] = d;
			continue;
		}
		for (size_t k = 0; k < nb; k++)
			if (d < bestd[k] || (d == bestd[k] && p->v->df[i] > p->v->df[best[k]])) {
				best[k] = i;
				bestd[k] = d;
				break;
			}
	}
	for (size_t k = 0; k < nb; k++) {
		const char *term = p->v->term[best[k]];
		double w = bestd[k] == 1 ? 0.7 : 0.5;
		add(p, best[k], group, 0, w);
		/* A misspelt first part: its compounds too ("parkerings" → …tillstånd). */
		add_prefixed(p, term, strlen(term), group, 0, w, true);
	}
}

static size_t add_synonym(struct plan *p, const struct kb_syn *y, int group, int sub, double scale);

/* The articles' words for a word people say (the municipality's synonyms, kb_synonyms.c). */
static size_t add_synonyms(struct plan *p, const char *w, size_t n, int group, int sub,
                           double scale)
{
	size_t found = 0;

	for (size_t i = 0; i < p->wl->nsyn; i++) {
		const struct kb_syn *y = &p->wl->syn[i];
		if (strlen(y->from) != n || memcmp(y->from, w, n) != 0)
			continue;
		found += add_synonym(p, y, group, sub, scale);
	}
	return found;
}

/* The same for a stemmed word: the synonyms whose word has that stem ("gungställningen"
 * → "gungställning"), which without the dictionary is the only base form there is. */
static size_t add_synonyms_stem(struct plan *p, const char *t, size_t n, int group)
{
	size_t found = 0;

	for (size_t i = 0; i < p->wl->nsyn; i++) {
		const struct kb_syn *y = &p->wl->syn[i];
		if (strlen(y->from_stem) == n && memcmp(y->from_stem, t, n) == 0)
			found += add_synonym(p, y, group, 0, 1.0);
	}
	return found;
}

static size_t add_synonym(struct plan *p, const struct kb_syn *y, int group, int sub, double scale)
{
	size_t found = 0;

	for (int k = 0; k < y->nto; k++)
		found += add_prefixed(p, y->to[k], strlen(y->to[k]), group, sub, 0.9 * scale, true);
	return found;
}

static void query_stem(struct plan *p, const char *t, size_t n)
{
	for (int i = 0; i < p->nqs; i++)
		if (strlen(p->qs[i]) == n && memcmp(p->qs[i], t, n) == 0)
			return;
	if (p->nqs < 2 * MAX_WORDS && n <= TEXT_TOKEN_MAX) {
		memcpy(p->qs[p->nqs], t, n);
		p->qs[p->nqs++][n] = '\0';
	}
}

/* The index's compounds of `head` (a stem) that end in `tail` (a stem): "förskol" +
 * "avgift" → "förskoleavgift", what an article calls a "dagisavgift". */
static void add_recompound(struct plan *p, const char *head, const char *tail, int group)
{
	const struct kb_dict *v = p->v;
	size_t hn = strlen(head), tn = strlen(tail), found = 0;

	if (kb_nchars(head, hn) < 3 || kb_nchars(tail, tn) < 2)
		return;
	for (size_t i = lower_bound(v, head, hn), k = 0;
	     i < v->n && k < MAX_SUFFIX_SCAN && found < MAX_FUZZY; i++, k++) {
		const char *term = v->term[i];
		size_t n = strlen(term);
		if (strncmp(term, head, hn) != 0)
			break;
		/* Only joining letters between the parts. */
		if (n < hn + tn || n > hn + tn + 2 || memcmp(term + n - tn, tail, tn) != 0)
			continue;
		add(p, i, group, 0, 0.9);
		found++;
	}
}

/* A compound's parts as the dictionary splits it: each part's own terms and its
 * synonyms ("dagis|avgift" → "förskol…" and "avgift"), and the index's compounds of a
 * synonym of the first part with the last. The number of parts found. */
static int plan_parts(struct plan *p, const struct kb_lex *lx, int group)
{
	int hit = 0;

	if (lx->nparts == 2) {
		char tail[TEXT_TOKEN_MAX + 1];
		size_t tn = strlen(lx->part[1]);
		memcpy(tail, lx->part[1], tn + 1);
		tn = text_stem(p->stemmer, tail, tn);
		tail[tn] = '\0';
		for (size_t i = 0; i < p->wl->nsyn; i++)
			if (strncmp(p->wl->syn[i].from, lx->part[0], strlen(lx->part[0])) == 0 &&
			    strlen(p->wl->syn[i].from) <= strlen(lx->part[0]) + 1)
				for (int k = 0; k < p->wl->syn[i].nto; k++)
					add_recompound(p, p->wl->syn[i].to[k], tail, group);
	}

	for (int k = 0; k < lx->nparts && k + 1 < POST_SUBS; k++) {
		char s[TEXT_TOKEN_MAX + 1];
		size_t n = strlen(lx->part[k]), sn, f = 0;
		f += add_synonyms(p, lx->part[k], n, group, k + 1, 0.7);
		if (n + 1 <= TEXT_TOKEN_MAX) { /* a first part's word ends in s: "fritids|avgift" */
			char g[TEXT_TOKEN_MAX + 2];
			memcpy(g, lx->part[k], n);
			g[n] = 's';
			f += add_synonyms(p, g, n + 1, group, k + 1, 0.7);
		}
		memcpy(s, lx->part[k], n + 1);
		sn = text_stem(p->stemmer, s, n);
		s[sn] = '\0';
		if (kb_nchars(s, sn) >= 3)
			f += add_prefixed(p, s, sn, group, k + 1, 0.6, false);
		hit += f > 0;
	}
	return hit;
}

static void plan_word(struct plan *p, const char *raw, size_t rawn, int group)
{
	char t[TEXT_TOKEN_MAX + 1];
	size_t n;
	struct part parts[4];
	struct kb_lex lx;
	int np = 0;
	bool known, lexed;

	if (text_stopword(raw, rawn) || rawn > TEXT_TOKEN_MAX)
		return;
	memcpy(t, raw, rawn);
	n = text_stem(p->stemmer, t, rawn);
	t[n] = '\0';
	query_stem(p, t, n);

	add_synonyms(p, raw, rawn, group, 0, 1.0);
	add_synonyms_stem(p, t, n, group);
	known = vocab_find(p->v, t, n) >= 0;
	/* The dictionary's base form reaches what Snowball leaves apart: definite and plural
	 * forms of compounds ("sophämtningarna" → "sophämtning"). A compound the index holds
	 * whole needs no parts ("klotter" is no "klot|ter"). */
	lexed = kb_words_analyze(raw, rawn, !known, &lx) == 0;
	if (lexed && strcmp(lx.lemma, raw) != 0) {
		char l[TEXT_TOKEN_MAX + 1];
		size_t ln = strlen(lx.lemma);
		add_synonyms(p, lx.lemma, ln, group, 0, 1.0);
		memcpy(l, lx.lemma, ln + 1);
		ln = text_stem(p->stemmer, l, ln);
		l[ln] = '\0';
		query_stem(p, l, ln);
		if (!known && (ln != n || memcmp(l, t, n) != 0))
			add_prefixed(p, l, ln, group, 0, 0.95, true);
	}
	size_t pre = add_prefixed(p, t, n, group, 0, 1.0, true);
	add_slack(p, t, n, group);
	add_suffixed(p, t, n, group);
	if (lexed && lx.nparts >= 2 && !known)
		np = plan_parts(p, &lx, group);
	/* Without the dictionary, or when its parts are not in the index: the index's own
	 * words as parts. */
	if (np == 0) {
		np = nchars(t, n) >= 6 ? split(p, t, 0, n, 0, parts, 4) : 0;
		for (int k = 0; k < np; k++)
			add_prefixed(p, t + parts[k].off, parts[k].n, group, k + 1, 0.6, false);
	}
	if (!known && (pre == 0 || np == 0))
		add_fuzzy(p, t, n, group);
}

struct words {
	char w[MAX_WORDS][TEXT_TOKEN_MAX + 1];
	size_t n;
};

static int word_h(void *arg, const char *tok, size_t n, size_t start, size_t end)
{
	struct words *ws = arg;

	if (ws->n >= MAX_WORDS || n > TEXT_TOKEN_MAX)
		return 0;
	for (size_t i = 0; i < ws->n; i++)
		if (strlen(ws->w[i]) == n && memcmp(ws->w[i], tok, n) == 0)
			return 0;
	memcpy(ws->w[ws->n], tok, n);
	ws->w[ws->n++][n] = '\0';
	return 0;
}

/* ---- running the query ---- */

struct hit {
	int64_t id;
	double score;
	bool own;
};

static int cmp_hit(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* ---- a large index: the terms' best documents from kb_postings ---- */

struct cand {
	int64_t doc;
	double score;
};

static int cmp_cand(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return x->doc < y->doc ? -1 : x->doc > y->doc;
}

struct ranked {
	size_t i;
	double key;
};

static int cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	return x->key < y->key ? 1 : x->key > y->key ? -1 : 0;
}

/* Keep the POST_PHRASES phrases that weigh most (weight × rarity), in their order. */
static void plan_trim(struct plan *p)
{
	struct ranked r[MAX_PHRASES];
	bool keep[MAX_PHRASES] = {false};
	size_t k = 0;

	if (p->n <= POST_PHRASES)
		return;
	for (size_t i = 0; i < p->n; i++)
		r[i] = (struct ranked){i,
		                       p->ph[i].w * text_idf(p->v->docs, p->v->df[p->ph[i].term])};
	qsort(r, p->n, sizeof(r[0]), cmp_ranked);
	for (size_t i = 0; i < POST_PHRASES; i++)
		keep[r[i].i] = true;
	for (size_t i = 0; i < p->n; i++)
		if (keep[i])
			p->ph[k++] = p->ph[i];
	p->n = k;
}

/* Candidates: an open-addressed table of documents with each word's best score (sub 0)
 * and each compound part's, combined as kb_rank combines them. */
struct cands {
	int64_t *slot; /* hash table of documents; 0: free */
	uint32_t *at;  /* per slot: the document's candidate number */
	size_t cap;    /* slots, a power of two above twice the most candidates */
	int64_t *doc;  /* per candidate */
	double *best;  /* per candidate: ngroups × POST_SUBS, dense to touch little memory */
	size_t n;      /* candidates */
	int ngroups;
};

static double *cand_best(struct cands *c, int64_t doc)
{
	size_t i = (size_t)((uint64_t)doc * 0x9e3779b97f4a7c15u >> 20) & (c->cap - 1);

	while (c->slot[i] && c->slot[i] != doc)
		i = (i + 1) & (c->cap - 1);
	if (!c->slot[i]) {
		c->slot[i] = doc;
		c->at[i] = (uint32_t)c->n;
		c->doc[c->n++] = doc;
	}
	return c->best + c->at[i] * (size_t)c->ngroups * POST_SUBS;
}

static int search_postings(struct db *db, const struct plan *p, const char *groups,
                           const char *today, int64_t client, int64_t limit, struct hit **hp,
                           size_t *nhp)
{
	struct cands c = {0};
	struct cand *all = NULL;
	struct hit *h = NULL;
	struct stmt *s;
	size_t nh = 0, na = 0;
	double boost = strcmp(groups, "[]") != 0 ? OWN_GROUP_BOOST : 1.0;
	int err = 0;

	*hp = NULL;
	*nhp = 0;
	for (size_t i = 0; i < p->n; i++)
		if (p->ph[i].group + 1 > c.ngroups)
			c.ngroups = p->ph[i].group + 1;
	c.cap = 1;
	while (c.cap < 2 * POST_PER_TERM * p->n)
		c.cap *= 2;
	c.slot = calloc(c.cap, sizeof(*c.slot));
	c.at = malloc(c.cap * sizeof(*c.at));
	c.doc = malloc(POST_PER_TERM * p->n * sizeof(*c.doc));
	c.best = calloc(POST_PER_TERM * p->n * (size_t)c.ngroups * POST_SUBS, sizeof(*c.best));
	if (!c.slot || !c.at || !c.doc || !c.best) {
		err = ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < p->n && !err; i++) {
		const struct phrase *ph = &p->ph[i];
		double w = ph->w * text_idf(p->v->docs, p->v->df[ph->term]) / 1000.0;
		int sub = ph->sub < POST_SUBS ? ph->sub : POST_SUBS - 1;
		err = db_prepare(db, &s,
		                 "SELECT doc, impact FROM kb_postings WHERE term = ?"
		                 " ORDER BY impact DESC LIMIT ?",
		                 true);
		if (err)
			break;
		stmt_bind_text(s, 1, p->v->term[ph->term]);
		stmt_bind_int(s, 2, POST_PER_TERM);
		while ((err = stmt_step(s)) == DB_ROW) {
			double *b = cand_best(&c, stmt_int(s, 0)) + ph->group * POST_SUBS + sub;
			double x = w * (double)stmt_int(s, 1);
			if (x > *b)
				*b = x;
		}
		err = err == DB_DONE ? 0 : err;
		stmt_done(s);
	}
	if (err || c.n == 0)
		goto out;
	all = malloc(c.n * sizeof(*all));
	if (!all) {
		err = ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < c.n; i++) {
		const double *b = c.best + i * (size_t)c.ngroups * POST_SUBS;
		double total = 0;
		int matched = 0;
		for (int g = 0; g < c.ngroups; g++) {
			double parts = 0, gs;
			for (int k = 1; k < POST_SUBS; k++)
				parts += b[g * POST_SUBS + k];
			gs = b[g * POST_SUBS] > parts ? b[g * POST_SUBS] : parts;
			matched += gs > 0;
			total += gs;
		}
		total *= 0.4 + 0.6 * (double)matched / c.ngroups;
		all[na++] = (struct cand){c.doc[i], total};
	}
	qsort(all, na, sizeof(*all), cmp_cand);

	/* Visible articles, best first, until no later one could pass the last shown even
	 * with the own-group boost. */
	h = calloc((size_t)limit, sizeof(*h));
	if (!h) {
		err = ENOMEM;
		goto out;
	}
	err = db_prepare(
	        db, &s,
	        "SELECT EXISTS (SELECT 1 FROM kb_article_groups g WHERE g.article_id = a.id"
	        "  AND g.group_id IN (SELECT value FROM json_each(?2)))"
	        " FROM kb_articles a WHERE a.id = ?1 AND a.status = 'published'"
	        " AND (a.valid_from IS NULL OR a.valid_from <= ?3)"
	        " AND (a.valid_to IS NULL OR a.valid_to >= ?3)"
	        " AND (?4 = 0 OR EXISTS (SELECT 1 FROM kb_article_clients c"
	        "  WHERE c.article_id = a.id AND c.client_id = ?4))",
	        true);
	for (size_t i = 0; i < na && i < POST_MAX_CHECKS && !err; i++) {
		if ((int64_t)nh == limit && all[i].score * boost < h[nh - 1].score)
			break;
		stmt_bind_int(s, 1, all[i].doc);
		stmt_bind_text(s, 2, groups);
		stmt_bind_text(s, 3, today);
		stmt_bind_int(s, 4, client);
		int rc = stmt_step(s);
		if (rc == DB_ROW) {
			struct hit x = {all[i].doc, all[i].score, stmt_int(s, 0) != 0};
			if (x.own)
				x.score *= OWN_GROUP_BOOST;
			/* Keep the top `limit`, sorted. */
			if ((int64_t)nh < limit)
				h[nh++] = x;
			else if (cmp_hit(&x, &h[nh - 1]) < 0)
				h[nh - 1] = x;
			for (size_t k = nh - 1; k > 0 && cmp_hit(&h[k], &h[k - 1]) < 0; k--) {
				struct hit t = h[k];
				h[k] = h[k - 1];
				h[k - 1] = t;
			}
		} else if (rc != DB_DONE) {
			err = rc;
		}
		stmt_done(s);
	}
out:
	free(c.slot);
	free(c.at);
	free(c.doc);
	free(c.best);
	free(all);
	if (err) {
		free(h);
		return err;
	}
	*hp = h;
	*nhp = nh;
	return 0;
}

/* ---- PostgreSQL: the same ranking from the index's tsvector ---- */

/* A phrase's weight as kb_rank reads it from its "%.3f" spec. */
static double spec_weight(double w)
{
	char b[32];

	snprintf(b, sizeof(b), "%.3f", w);
	return strtod(b, NULL);
}

/* Every visible article holding a term of the plan, ranked as kb_rank ranks on SQLite:
 * kb_fts.tsv (kb_schema.c, migration 5) finds them through its GIN index, and each
 * matching term's positions, one per token with its column as the weight, give the
 * counts text_rank_score needs; the index's size and mean column lengths are read as
 * FTS5 keeps them. Appends to *hp (capacity *caph). */
static int search_pg(struct db *db, const struct plan *p, const char *groups, const char *today,
                     int64_t client, struct hit **hp, size_t *nhp, size_t *caph)
{
	const struct kb_dict *v = p->v;
	struct kb_buf tq = {0}, terms = {0};
	struct text_rank_phrase *ph = NULL;
	int(*tf)[3] = NULL;
	struct stmt *s = NULL;
	double avg[3] = {1.0, 1.0, 1.0}, len[3] = {0, 0, 0};
	int64_t nrow = 0, doc = 0;
	bool own = false, any = false;
	int ngroups = 0, err, rc;

	err = db_prepare(db, &s,
	                 "SELECT count(*), coalesce(sum(len_title), 0), coalesce(sum(len_tags), 0),"
	                 " coalesce(sum(len_body), 0) FROM kb_fts",
	                 true);
	if (err)
		return err;
	rc = stmt_step(s);
	if (rc == DB_ROW) {
		nrow = stmt_int(s, 0);
		for (int c = 0; c < 3; c++)
			if (nrow > 0 && stmt_int(s, 1 + c) > 0)
				avg[c] = (double)stmt_int(s, 1 + c) / (double)nrow;
	}
	stmt_done(s);
	if (rc != DB_ROW)
		return rc == DB_DONE ? EIO : rc;

	ph = calloc(p->n, sizeof(*ph));
	tf = calloc(p->n, sizeof(*tf));
	if (!ph || !tf) {
		err = ENOMEM;
		goto out;
	}
	kb_buf_str(&terms, "{");
	for (size_t i = 0; i < p->n; i++) {
		const char *t = v->term[p->ph[i].term];
		bool seen = false;
		ph[i].group = p->ph[i].group;
		ph[i].sub = p->ph[i].sub;
		ph[i].w = spec_weight(p->ph[i].w) * text_idf(nrow, v->df[p->ph[i].term]);
		if (p->ph[i].group + 1 > ngroups)
			ngroups = p->ph[i].group + 1;
		for (size_t k = 0; k < i && !seen; k++)
			seen = p->ph[k].term == p->ph[i].term;
		if (seen)
			continue;
		/* Terms are letters and digits (the tokenizer splits at everything else). */
		if (strpbrk(t, "'\"\\{},"))
			continue;
		kb_buf_fmt(&tq, "%s'%s'", tq.n ? " | " : "", t);
		kb_buf_fmt(&terms, "%s\"%s\"", terms.n > 1 ? "," : "", t);
	}
	kb_buf_str(&terms, "}");
	if (tq.oom || terms.oom) {
		err = ENOMEM;
		goto out;
	}
	if (!tq.n)
		goto out;
	err = db_prepare(
	        db, &s,
	        "SELECT a.id, f.len_title, f.len_tags, f.len_body,"
	        " EXISTS (SELECT 1 FROM kb_article_groups g WHERE g.article_id = a.id"
	        "  AND g.group_id IN (SELECT value FROM json_each(?3))),"
	        " u.lexeme, array_to_string(u.weights, '')"
	        " FROM kb_fts f JOIN kb_articles a ON a.id = f.rowid"
	        " CROSS JOIN LATERAL unnest(f.tsv) AS u"
	        " WHERE f.tsv @@ CAST(?1 AS tsquery) AND u.lexeme = ANY(CAST(?2 AS text[]))"
	        " AND a.status = 'published'"
	        " AND (a.valid_from IS NULL OR a.valid_from <= ?4)"
	        " AND (a.valid_to IS NULL OR a.valid_to >= ?4)"
	        " AND (?5 = 0 OR EXISTS (SELECT 1 FROM kb_article_clients c"
	        "  WHERE c.article_id = a.id AND c.client_id = ?5))"
	        " ORDER BY a.id",
	        true);
	if (err)
		goto out;
	stmt_bind_text(s, 1, tq.p);
	stmt_bind_text(s, 2, terms.p);
	stmt_bind_text(s, 3, groups);
	stmt_bind_text(s, 4, today);
	stmt_bind_int(s, 5, client);
	for (;;) {
		rc = stmt_step(s);
		if ((rc != DB_ROW || stmt_int(s, 0) != doc) && any) {
			/* The previous article is complete. */
			if (*nhp == *caph) {
				size_t cap = *caph ? *caph * 2 : 64;
				struct hit *x = realloc(*hp, cap * sizeof(*x));
				if (!x) {
					err = ENOMEM;
					break;
				}
				*hp = x;
				*caph = cap;
			}
			struct hit *x = &(*hp)[(*nhp)++];
			x->id = doc;
			x->score = text_rank_score(ph, (int)p->n, ngroups, (const int(*)[3])tf, len,
			                           avg);
			x->own = own;
			if (own)
				x->score *= OWN_GROUP_BOOST;
			memset(tf, 0, p->n * sizeof(*tf));
			any = false;
		}
		if (rc != DB_ROW)
			break;
		doc = stmt_int(s, 0);
		for (int c = 0; c < 3; c++)
			len[c] = (double)stmt_int(s, 1 + c);
		own = stmt_int(s, 4) != 0;
		any = true;
		long term = vocab_find(v, stmt_text(s, 5), strlen(stmt_text(s, 5)));
		const char *w = stmt_text(s, 6);
		int cnt[3] = {0, 0, 0};
		for (; w && *w; w++)
			cnt[*w == 'A' ? 0 : *w == 'B' ? 1 : 2]++;
		for (size_t i = 0; term >= 0 && i < p->n; i++)
			if (p->ph[i].term == (size_t)term)
				for (int c = 0; c < 3; c++)
					tf[i][c] += cnt[c];
	}
	stmt_done(s);
	if (!err && rc != DB_DONE)
		err = rc;
out:
	free(ph);
	free(tf);
	free(tq.p);
	free(terms.p);
	return err;
}

/* ---- snippets ---- */

#define SNIPPET_TOKENS 14

struct snip_tok {
	size_t start, end; /* bytes of the word in the text */
	long term;         /* dictionary index of a matched term, or -1 */
};

struct snip {
	const struct plan *p;
	struct snip_tok *t;
	size_t n, cap;
};

static int snip_h(void *arg, const char *tok, size_t n, size_t start, size_t end)
{
	struct snip *sn = arg;
	long term = vocab_find(sn->p->v, tok, n), hit = -1;

	for (size_t i = 0; term >= 0 && i < sn->p->n && hit < 0; i++)
		if (sn->p->ph[i].term == (size_t)term)
			hit = term;
	if (sn->n == sn->cap) {
		size_t cap = sn->cap ? sn->cap * 2 : 256;
		struct snip_tok *t = realloc(sn->t, cap * sizeof(*t));
		if (!t)
			return ENOMEM;
		sn->t = t;
		sn->cap = cap;
	}
	sn->t[sn->n++] = (struct snip_tok){start, end, hit};
	return 0;
}

/* The body's passage of SNIPPET_TOKENS words with the most different query terms (then
 * the most matches), centred on them, matches between \x02 and \x03, "…" where text was
 * left out: what FTS5's snippet() gives, without asking FTS5 to find the document's
 * matches again, which costs milliseconds in a large index. NULL when out of memory. */
static char *snippet_make(const struct plan *p, struct sb_stemmer *st, const char *body)
{
	struct snip sn = {p, NULL, 0, 0};
	struct kb_buf b = {0};
	size_t best = 0, from, to;
	long best_score = -1;

	if (!body)
		body = "";
	if (text_tokenize(st, body, strlen(body), snip_h, &sn)) {
		free(sn.t);
		return NULL;
	}
	for (size_t i = 0; i < sn.n; i++) {
		long score = 0;
		if (sn.t[i].term < 0)
			continue;
		for (size_t k = i; k < sn.n && k < i + SNIPPET_TOKENS; k++) {
			bool seen = false;
			if (sn.t[k].term < 0)
				continue;
			for (size_t j = i; j < k && !seen; j++)
				seen = sn.t[j].term == sn.t[k].term;
			score += seen ? 1 : 1000;
		}
		if (score > best_score) {
			best_score = score;
			best = i;
		}
	}
	if (best_score > 0) { /* centre the matches */
		size_t last = best;
		for (size_t k = best; k < sn.n && k < best + SNIPPET_TOKENS; k++)
			if (sn.t[k].term >= 0)
				last = k;
		size_t pad = (SNIPPET_TOKENS - (last - best + 1)) / 2;
		best = best > pad ? best - pad : 0;
	}
	if (sn.n > SNIPPET_TOKENS && best > sn.n - SNIPPET_TOKENS)
		best = sn.n - SNIPPET_TOKENS;
	if (sn.n == 0) {
		free(sn.t);
		return kb_buf_take(&b);
	}
	to = best + SNIPPET_TOKENS < sn.n ? best + SNIPPET_TOKENS : sn.n;
	from = best > 0 ? sn.t[best].start : 0;
	if (best > 0)
		kb_buf_str(&b, "…");
	for (size_t k = best; k < to; k++) {
		kb_buf_add(&b, body + from, sn.t[k].start - from);
		if (sn.t[k].term >= 0)
			kb_buf_str(&b, "\x02");
		kb_buf_add(&b, body + sn.t[k].start, sn.t[k].end - sn.t[k].start);
		if (sn.t[k].term >= 0)
			kb_buf_str(&b, "\x03");
		from = sn.t[k].end;
	}
	if (to < sn.n)
		kb_buf_str(&b, "…");
	free(sn.t);
	return kb_buf_take(&b);
}

/* Escape the snippet for HTML and turn FTS5's \x02 … \x03 marks into <mark>. */
static json_t *snippet_html(const char *s)
{
	struct kb_buf b = {0};
	char *out;
	json_t *j;

	for (; s && *s; s++) {
		switch (*s) {
		case '\x02':
			kb_buf_str(&b, "<mark>");
			break;
		case '\x03':
			kb_buf_str(&b, "</mark>");
			break;
		case '<':
			kb_buf_str(&b, "&lt;");
			break;
		case '>':
			kb_buf_str(&b, "&gt;");
			break;
		case '&':
			kb_buf_str(&b, "&amp;");
			break;
		case '"':
			kb_buf_str(&b, "&quot;");
			break;
		default:
			kb_buf_add(&b, s, 1);
		}
	}
	out = kb_buf_take(&b);
	j = json_string(out ? out : "");
	free(out);
	return j;
}

/* ---- the municipality's search words (sökord) ---- */

static bool keyword_matches(const struct plan *p, const struct kb_keyword *k)
{
	for (int w = 0; w < k->nwords; w++) {
		bool seen = false;
		for (int i = 0; i < p->nqs && !seen; i++)
			seen = strcmp(p->qs[i], k->word[w]) == 0;
		if (!seen)
			return false;
	}
	return true;
}

static bool keyword_any(const struct plan *p)
{
	for (size_t i = 0; i < p->wl->nkw; i++)
		if (keyword_matches(p, &p->wl->kw[i]))
			return true;
	return false;
}

/* An article a search word leads to comes first, if the searcher may see it today: an
 * owner connected exactly these words to it. `*hp` is sorted, before and after. */
static int keywords_apply(struct db *db, const struct plan *p, const char *today, int64_t client,
                          struct hit **hp, size_t *nhp)
{
	struct stmt *s = NULL;
	int err = 0;

	for (size_t i = 0; i < p->wl->nkw && !err; i++) {
		const struct kb_keyword *k = &p->wl->kw[i];
		double top = *nhp ? (*hp)[0].score : 1.0;
		size_t at = *nhp;
		if (!keyword_matches(p, k))
			continue;
		for (size_t j = 0; j < *nhp; j++)
			if ((*hp)[j].id == k->article_id)
				at = j;
		if (at == *nhp) {
			err = db_prepare(
			        db, &s,
			        "SELECT 1 FROM kb_articles a WHERE a.id = ?1"
			        " AND a.status = 'published'"
			        " AND (a.valid_from IS NULL OR a.valid_from <= ?2)"
			        " AND (a.valid_to IS NULL OR a.valid_to >= ?2)"
			        " AND (?3 = 0 OR EXISTS (SELECT 1 FROM kb_article_clients c"
			        "  WHERE c.article_id = a.id AND c.client_id = ?3))",
			        true);
			if (err)
				break;
			stmt_bind_int(s, 1, k->article_id);
			stmt_bind_text(s, 2, today);
			stmt_bind_int(s, 3, client);
			bool visible = stmt_step(s) == DB_ROW;
			stmt_done(s);
			if (!visible)
				continue;
			struct hit *x = realloc(*hp, (*nhp + 1) * sizeof(**hp));
			if (!x) {
				err = ENOMEM;
				break;
			}
			*hp = x;
			(*hp)[(*nhp)++] = (struct hit){k->article_id, 0, false};
		}
		(*hp)[at].score = top + 1.0;
		qsort(*hp, *nhp, sizeof(**hp), cmp_hit);
	}
	return err;
}

int kb_user_groups(struct db *db, int64_t user_id, int64_t **ids, size_t *n)
{
	struct stmt *s;
	int64_t *a = NULL;
	size_t k = 0, cap = 0;
	int err = db_prepare(db, &s,
	                     "SELECT group_id FROM user_groups WHERE user_id = ? ORDER BY group_id",
	                     true);

	*ids = NULL;
	*n = 0;
	if (err)
		return err;
	stmt_bind_int(s, 1, user_id);
	while (stmt_step(s) == DB_ROW) {
		if (k == cap) {
			cap = cap ? cap * 2 : 8;
			int64_t *b = realloc(a, cap * sizeof(*a));
			if (!b) {
				err = ENOMEM;
				break;
			}
			a = b;
		}
		a[k++] = stmt_int(s, 0);
	}
	stmt_done(s);
	if (err) {
		free(a);
		return err;
	}
	*ids = a;
	*n = k;
	return 0;
}

int kb_search(struct db *db, const struct kb_query *q, json_t **hits)
{
	const struct kb_dict *v;
	const struct kb_words_list *wl;
	struct kb_conn *conn;
	struct plan *p = NULL;
	struct words ws = {0};
	struct kb_buf match = {0}, spec = {0}, groups = {0};
	struct hit *h = NULL;
	size_t nh = 0, caph = 0;
	struct stmt *s = NULL;
	json_t *out = NULL;
	char today[11];
	int64_t limit = q->limit > 0 ? q->limit : 10, client;
	int err, rc;

	*hits = NULL;
	if (limit > 100)
		limit = 100;
	err = kb_conn_get(db, &conn);
	if (!err)
		err = kb_words_list_get(db, &wl);
	if (!err)
		err = kb_dict_get(db, &v);
	if (err)
		return err;
	out = json_array();
	p = calloc(1, sizeof(*p));
	if (!p || !out) {
		err = ENOMEM;
		goto out;
	}
	p->v = v;
	p->wl = wl;
	p->stemmer = conn->stemmer;
	if (q->text)
		text_tokenize(NULL, q->text, strlen(q->text), word_h, &ws);
	for (size_t i = 0; i < ws.n; i++) {
		size_t before = p->n;
		plan_word(p, ws.w[i], strlen(ws.w[i]), p->ngroups);
		if (p->n > before || !text_stopword(ws.w[i], strlen(ws.w[i])))
			p->ngroups++;
	}
	if (p->n == 0 && !keyword_any(p))
		goto out;
	if (v->docs > conn->exact_max_docs)
		plan_trim(p);
	for (size_t i = 0; i < p->n; i++) {
		kb_buf_fmt(&match, "%s\"%s\"", i ? " OR " : "", v->term[p->ph[i].term]);
		kb_buf_fmt(&spec, "%d,%d,%.3f,%lld;", p->ph[i].group, p->ph[i].sub, p->ph[i].w,
		           (long long)v->df[p->ph[i].term]);
	}
	kb_buf_str(&groups, "[");
	for (size_t i = 0; i < q->ngroups; i++)
		kb_buf_fmt(&groups, "%s%lld", i ? "," : "", (long long)q->group_ids[i]);
	kb_buf_str(&groups, "]");
	if (match.oom || spec.oom || groups.oom) {
		err = ENOMEM;
		goto out;
	}
	kb_today(q->now, today);
	/* A department contact searches its own department's articles only. */
	client = q->who && q->who->role == ROLE_CLIENT_VIEWER
	                 ? (q->who->client_id ? q->who->client_id : -1)
	                 : 0;
	if (v->docs > conn->exact_max_docs) {
		err = search_postings(db, p, groups.p, today, client, limit, &h, &nh);
		if (!err)
			err = keywords_apply(db, p, today, client, &h, &nh);
		if (err)
			goto out;
		goto snippets;
	}
	if (p->n == 0) {
		err = keywords_apply(db, p, today, client, &h, &nh);
		if (err)
			goto out;
		goto snippets;
	}

	if (db_dialect(db) == DB_POSTGRES) {
		err = search_pg(db, p, groups.p, today, client, &h, &nh, &caph);
		if (err)
			goto out;
		goto ranked;
	}
	err = db_prepare(db, &s,
	                 "SELECT a.id, kb_rank(kb_fts, ?2),"
	                 " EXISTS (SELECT 1 FROM kb_article_groups g WHERE g.article_id = a.id"
	                 "  AND g.group_id IN (SELECT value FROM json_each(?3)))"
	                 " FROM kb_fts JOIN kb_articles a ON a.id = kb_fts.rowid"
	                 " WHERE kb_fts MATCH ?1 AND a.status = 'published'"
	                 " AND (a.valid_from IS NULL OR a.valid_from <= ?4)"
	                 " AND (a.valid_to IS NULL OR a.valid_to >= ?4)"
	                 " AND (?5 = 0 OR EXISTS (SELECT 1 FROM kb_article_clients c"
	                 "  WHERE c.article_id = a.id AND c.client_id = ?5))",
	                 true);
	if (err)
		goto out;
	stmt_bind_text(s, 1, match.p);
	stmt_bind_text(s, 2, spec.p);
	stmt_bind_text(s, 3, groups.p);
	stmt_bind_text(s, 4, today);
	stmt_bind_int(s, 5, client);
	while ((rc = stmt_step(s)) == DB_ROW) {
		if (nh == caph) {
			caph = caph ? caph * 2 : 64;
			struct hit *x = realloc(h, caph * sizeof(*h));
			if (!x) {
				err = ENOMEM;
				break;
			}
			h = x;
		}
		h[nh].id = stmt_int(s, 0);
		h[nh].score = stmt_double(s, 1);
		h[nh].own = stmt_int(s, 2) != 0;
		if (h[nh].own)
			h[nh].score *= OWN_GROUP_BOOST;
		nh++;
	}
	stmt_done(s);
	s = NULL;
	if (!err && rc != DB_DONE)
		err = rc;
	if (err)
		goto out;
ranked:
	if (nh > 1) /* h is NULL when nothing matched */
		qsort(h, nh, sizeof(*h), cmp_hit);
	err = keywords_apply(db, p, today, client, &h, &nh);
	if (err)
		goto out;

snippets:
	/* Snippets only for the hits shown: highlighting re-reads and re-tokenizes text. */
	err = db_prepare(db, &s,
	                 "SELECT a.slug, a.title, a.kind, f.body"
	                 " FROM kb_articles a JOIN kb_fts f ON f.rowid = a.id WHERE a.id = ?",
	                 true);
	if (err)
		goto out;
	for (size_t i = 0; i < nh && (int64_t)i < limit; i++) {
		stmt_bind_int(s, 1, h[i].id);
		if (stmt_step(s) == DB_ROW) {
			char *snip = snippet_make(p, p->stemmer, stmt_text(s, 3));
			json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:f,s:b}", "id",
			                      (json_int_t)h[i].id, "slug", stmt_text(s, 0), "title",
			                      stmt_text(s, 1), "kind", stmt_text(s, 2), "score",
			                      (double)(int64_t)(h[i].score * 1000.0 + 0.5) / 1000.0,
			                      "own_group", h[i].own);
			if (!snip || !o) {
				free(snip);
				json_decref(o);
				stmt_done(s);
				err = ENOMEM;
				goto out;
			}
			json_object_set_new(o, "snippet", snippet_html(snip));
			json_array_append_new(out, o);
			free(snip);
		}
		stmt_done(s);
	}
	s = NULL;
out:
	free(p);
	free(h);
	free(match.p);
	free(spec.p);
	free(groups.p);
	if (err) {
		json_decref(out);
		return err;
	}
	*hits = out;
	return 0;
}

/* ---- did you mean ---- */

/* Does the index, or the municipality's synonyms, know the word in some form? */
static bool word_found(struct plan *p, const char *w, size_t n)
{
	char t[TEXT_TOKEN_MAX + 1];
	size_t tn;
	size_t before = p->n;

	memcpy(t, w, n);
	tn = text_stem(p->stemmer, t, n);
	t[tn] = '\0';
	if (vocab_find(p->v, t, tn) >= 0)
		return true;
	/* Everything search would make of it but near spellings. */
	p->n = 0;
	add_synonyms(p, w, n, 0, 0, 1.0);
	add_prefixed(p, t, tn, 0, 0, 1.0, true);
	add_slack(p, t, tn, 0);
	bool found = p->n > 0;
	struct kb_lex lx;
	if (!found && kb_words_analyze(w, n, true, &lx) == 0) {
		size_t ln = strlen(lx.lemma);
		add_synonyms(p, lx.lemma, ln, 0, 0, 1.0);
		/* Every part, not a stray one: "snö|rjning" is no word. */
		found = p->n > 0 || (lx.nparts >= 2 && plan_parts(p, &lx, 0) == lx.nparts);
	}
	p->n = before;
	return found;
}

int kb_suggest(struct db *db, const char *text, char **out)
{
	const struct kb_dict *v;
	const struct kb_words_list *wl;
	struct kb_conn *conn;
	struct plan *p = NULL;
	struct words ws = {0};
	struct kb_buf b = {0};
	bool changed = false;
	int err;

	*out = NULL;
	if (!text)
		return 0;
	err = kb_conn_get(db, &conn);
	if (!err)
		err = kb_words_list_get(db, &wl);
	if (!err)
		err = kb_dict_get(db, &v);
	if (err)
		return err;
	p = calloc(1, sizeof(*p));
	if (!p)
		return ENOMEM;
	p->v = v;
	p->wl = wl;
	p->stemmer = conn->stemmer;
	text_tokenize(NULL, text, strlen(text), word_h, &ws);
	for (size_t i = 0; i < ws.n; i++) {
		const char *w = ws.w[i];
		size_t n = strlen(w);
		char best[TEXT_TOKEN_MAX + 1];
		if (!text_stopword(w, n) && !word_found(p, w, n) &&
		    kb_words_suggest(w, n, best, sizeof(best)) == 0) {
			/* Only a correction that search will find something for. */
			for (char *c = best; *c; c++)
				if (*c >= 'A' && *c <= 'Z')
					*c = (char)(*c + 32);
			if (word_found(p, best, strlen(best))) {
				w = best;
				changed = true;
			}
		}
		kb_buf_fmt(&b, "%s%s", i ? " " : "", w);
	}
	free(p);
	if (b.oom) {
		free(b.p);
		return ENOMEM;
	}
	if (changed)
		*out = kb_buf_take(&b);
	else
		free(b.p);
	return 0;
}
