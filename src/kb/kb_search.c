/* Search: the question's words are stemmed, then matched against the index vocabulary
 * as the word itself, its inflections, compounds that contain it, the parts of a
 * compound, near spellings and a few synonyms; kb_rank scores each word once. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb/kb.h"
#include "kb/kb_int.h"
#include "store/db.h"

#define MAX_WORDS       16  /* query words considered */
#define MAX_PHRASES     400 /* terms in one MATCH expression */
#define MAX_PREFIX      40  /* inflections and compounds per word */
#define MAX_SUFFIX      30
#define MAX_FUZZY       8
#define OWN_GROUP_BOOST 1.5 /* an agent's own groups first when the match is as good */

/* Words agents and citizens use for what the articles call otherwise. The value is
 * stemmed like the text; keep it to one word. */
static const char *const synonyms[][2] = {
        {"dagis", "förskola"},
        {"dagmamma", "pedagogisk"},
        {"fritids", "fritidshem"},
        {"sopor", "avfall"},
        {"soporna", "avfall"},
        {"soptunna", "avfallskärl"},
        {"soptunnan", "avfallskärl"},
        {"sophämtning", "avfall"},
        {"hemhjälp", "hemtjänst"},
        {"ålderdomshem", "äldreboende"},
        {"servicehus", "äldreboende"},
        {"gatlykta", "gatubelysning"},
        {"gatlampa", "gatubelysning"},
        {"lyktstolpe", "gatubelysning"},
        {"hål", "potthål"},
        {"gropar", "potthål"},
        {"grop", "potthål"},
        {"handikapptillstånd", "rörelsehindrade"},
        {"handikapparkering", "rörelsehindrade"},
        {"förmyndare", "förmyndare"},
        {"taxi", "färdtjänst"},
        {"sjukresa", "färdtjänst"},
        {"friggebo", "friggebod"},
        {"plogning", "snöröjning"},
        {"snöplogning", "snöröjning"},
        {"sandning", "halkbekämpning"},
        {"klotter", "klotter"},
        {"graffiti", "klotter"},
        {"lekpark", "lekplats"},
        {"bostadsbidrag", "bostadsanpassning"},
        {"ramp", "bostadsanpassning"},
        {"trygghetsknapp", "trygghetslarm"},
        {"larmknapp", "trygghetslarm"},
        {"matlåda", "matdistribution"},
        {"mat", "matdistribution"},
        {"betyg", "betyg"},
        {"rektor", "rektor"},
        {"skolbuss", "skolskjuts"},
        {"busskort", "skolkort"},
        {"rivning", "rivningslov"},
        {"riva", "rivningslov"},
        {"altan", "altan"},
        {"kostar", "avgift"},
        {"kosta", "avgift"},
        {"pris", "avgift"},
        {"orolig", "orosanmälan"},
        {"oro", "orosanmälan"},
};

/* ---- the vocabulary of the index ---- */

struct vocab {
	char **term; /* sorted as the index keeps them (bytewise) */
	int64_t *df; /* documents holding the term */
	size_t n;
	struct kb_buf pool;
	size_t *off;
};

static void vocab_free(struct vocab *v)
{
	free(v->term);
	free(v->df);
	free(v->off);
	free(v->pool.p);
}

static int vocab_load(struct db *db, struct vocab *v)
{
	struct stmt *s;
	size_t cap = 0;
	int err, rc;

	memset(v, 0, sizeof(*v));
	err = db_prepare(db, &s, "SELECT term, doc FROM kb_vocab", true);
	if (err)
		return err;
	while ((rc = stmt_step(s)) == DB_ROW) {
		const char *t = stmt_text(s, 0);
		if (v->n == cap) {
			cap = cap ? cap * 2 : 1024;
			size_t *o = realloc(v->off, cap * sizeof(*o));
			int64_t *d = o ? realloc(v->df, cap * sizeof(*d)) : NULL;
			if (o)
				v->off = o;
			if (d)
				v->df = d;
			if (!o || !d) {
				err = ENOMEM;
				break;
			}
		}
		v->off[v->n] = v->pool.n;
		v->df[v->n] = stmt_int(s, 1);
		kb_buf_add(&v->pool, t, strlen(t) + 1);
		v->n++;
	}
	stmt_done(s);
	if (!err && rc != DB_DONE)
		err = rc;
	if (!err && v->pool.oom)
		err = ENOMEM;
	if (!err && v->n) {
		v->term = malloc(v->n * sizeof(*v->term));
		if (!v->term)
			err = ENOMEM;
		for (size_t i = 0; !err && i < v->n; i++)
			v->term[i] = v->pool.p + v->off[i];
	}
	return err;
}

/* First index whose term is >= key (bytewise). */
static size_t lower_bound(const struct vocab *v, const char *key, size_t n)
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

static long vocab_find(const struct vocab *v, const char *key, size_t n)
{
	size_t i = lower_bound(v, key, n);

	if (i < v->n && strncmp(v->term[i], key, n) == 0 && v->term[i][n] == '\0')
		return (long)i;
	return -1;
}

static size_t nchars(const char *w, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)w[i] & 0xc0) != 0x80;
	return c;
}

/* ---- the phrases of one query ---- */

struct phrase {
	size_t term; /* index into the vocabulary */
	int group;   /* query word */
	int sub;     /* 0: the word; 1…: a part of the compound */
	double w;    /* how sure the match is (1 exact … 0.5 distant) */
};

struct plan {
	const struct vocab *v;
	struct sb_stemmer *stemmer;
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
	const struct vocab *v = p->v;
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
	const struct vocab *v = p->v;
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

/* Compounds whose last part is the word ("tillstånd" → "parkeringstillstånd"). */
static void add_suffixed(struct plan *p, const char *t, size_t n, int group)
{
	const struct vocab *v = p->v;
	size_t tc = nchars(t, n), found = 0;

	if (tc < 4)
		return;
	for (size_t i = 0; i < v->n && found < MAX_SUFFIX; i++) {
		size_t len = strlen(v->term[i]);
		if (len < n + 3 || memcmp(v->term[i] + len - n, t, n) != 0)
			continue;
		add(p, i, group, 0, tc >= 5 ? 0.65 : 0.5);
		found++;
	}
}

/* Is `r` a word of the index, allowing the stemmer's and inflections' slack? */
static bool part_ok(const struct plan *p, const char *r, size_t n)
{
	char buf[KB_TOKEN_MAX + 1];
	size_t i;

	if (nchars(r, n) < 3 || n > KB_TOKEN_MAX)
		return false;
	i = lower_bound(p->v, r, n);
	if (i < p->v->n && strncmp(p->v->term[i], r, n) == 0 &&
	    nchars(p->v->term[i], strlen(p->v->term[i])) <= nchars(r, n) + 2)
		return true;
	memcpy(buf, r, n);
	return vocab_find(p->v, buf, kb_stem(p->stemmer, buf, n)) >= 0;
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
	uint32_t ca[KB_TOKEN_MAX], cb[KB_TOKEN_MAX];
	int d[KB_TOKEN_MAX + 1][KB_TOKEN_MAX + 1];
	size_t n = 0, m = 0;

	for (size_t i = 0; i < an && n < KB_TOKEN_MAX;) {
		unsigned char c = (unsigned char)a[i];
		size_t l = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
		uint32_t x = 0;
		for (size_t k = 0; k < l && i + k < an; k++)
			x = (x << 8) | (unsigned char)a[i + k];
		ca[n++] = x;
		i += l;
	}
	for (size_t i = 0; i < bn && m < KB_TOKEN_MAX;) {
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

	if (!max)
		return;
	for (size_t i = 0; i < p->v->n; i++) {
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

static void plan_word(struct plan *p, const char *raw, size_t rawn, int group)
{
	char t[KB_TOKEN_MAX + 1];
	size_t n;
	struct part parts[4];
	int np;
	bool known;

	if (kb_stopword(raw, rawn) || rawn > KB_TOKEN_MAX)
		return;
	memcpy(t, raw, rawn);
	n = kb_stem(p->stemmer, t, rawn);
	t[n] = '\0';

	for (size_t i = 0; i < sizeof(synonyms) / sizeof(synonyms[0]); i++) {
		if (strlen(synonyms[i][0]) != rawn || memcmp(synonyms[i][0], raw, rawn) != 0)
			continue;
		char s[KB_TOKEN_MAX + 1];
		size_t sn = strlen(synonyms[i][1]);
		memcpy(s, synonyms[i][1], sn);
		sn = kb_stem(p->stemmer, s, sn);
		s[sn] = '\0';
		add_prefixed(p, s, sn, group, 0, 0.9, true);
	}
	known = vocab_find(p->v, t, n) >= 0;
	size_t pre = add_prefixed(p, t, n, group, 0, 1.0, true);
	add_slack(p, t, n, group);
	add_suffixed(p, t, n, group);
	np = nchars(t, n) >= 6 ? split(p, t, 0, n, 0, parts, 4) : 0;
	for (int k = 0; k < np; k++)
		add_prefixed(p, t + parts[k].off, parts[k].n, group, k + 1, 0.6, false);
	if (!known && (pre == 0 || np == 0))
		add_fuzzy(p, t, n, group);
}

struct words {
	char w[MAX_WORDS][KB_TOKEN_MAX + 1];
	size_t n;
};

static int word_h(void *arg, const char *tok, size_t n, size_t start, size_t end)
{
	struct words *ws = arg;

	if (ws->n >= MAX_WORDS || n > KB_TOKEN_MAX)
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
	struct vocab v;
	struct plan *p = NULL;
	struct words ws = {0};
	struct kb_buf match = {0}, spec = {0}, groups = {0};
	struct hit *h = NULL;
	size_t nh = 0, caph = 0;
	struct stmt *s = NULL;
	json_t *out = NULL;
	char today[11];
	int64_t limit = q->limit > 0 ? q->limit : 10;
	int err, rc;

	*hits = NULL;
	if (limit > 100)
		limit = 100;
	err = vocab_load(db, &v);
	if (err)
		return err;
	out = json_array();
	p = calloc(1, sizeof(*p));
	if (!p || !out) {
		err = ENOMEM;
		goto out;
	}
	p->v = &v;
	p->stemmer = kb_stemmer_new();
	if (!p->stemmer) {
		err = ENOMEM;
		goto out;
	}
	if (q->text)
		kb_tokenize(NULL, q->text, strlen(q->text), word_h, &ws);
	for (size_t i = 0; i < ws.n; i++) {
		size_t before = p->n;
		plan_word(p, ws.w[i], strlen(ws.w[i]), p->ngroups);
		if (p->n > before || !kb_stopword(ws.w[i], strlen(ws.w[i])))
			p->ngroups++;
	}
	if (p->n == 0)
		goto out;
	for (size_t i = 0; i < p->n; i++) {
		kb_buf_fmt(&match, "%s\"%s\"", i ? " OR " : "", v.term[p->ph[i].term]);
		kb_buf_fmt(&spec, "%d,%d,%.3f,%lld;", p->ph[i].group, p->ph[i].sub, p->ph[i].w,
		           (long long)v.df[p->ph[i].term]);
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
	/* A department contact searches its own department's articles only. */
	stmt_bind_int(s, 5,
	              q->who && q->who->role == ROLE_CLIENT_VIEWER
	                      ? (q->who->client_id ? q->who->client_id : -1)
	                      : 0);
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
	if (nh > 1) /* h is NULL when nothing matched */
		qsort(h, nh, sizeof(*h), cmp_hit);

	/* Snippets only for the hits shown: highlighting re-reads and re-tokenizes text. */
	err = db_prepare(db, &s,
	                 "SELECT a.slug, a.title, a.kind,"
	                 " snippet(kb_fts, 2, char(2), char(3), '…', 14)"
	                 " FROM kb_fts JOIN kb_articles a ON a.id = kb_fts.rowid"
	                 " WHERE kb_fts MATCH ?1 AND kb_fts.rowid = ?2",
	                 true);
	if (err)
		goto out;
	for (size_t i = 0; i < nh && (int64_t)i < limit; i++) {
		stmt_bind_text(s, 1, match.p);
		stmt_bind_int(s, 2, h[i].id);
		if (stmt_step(s) == DB_ROW) {
			json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:f,s:b}", "id",
			                      (json_int_t)h[i].id, "slug", stmt_text(s, 0), "title",
			                      stmt_text(s, 1), "kind", stmt_text(s, 2), "score",
			                      (double)(int64_t)(h[i].score * 1000.0 + 0.5) / 1000.0,
			                      "own_group", h[i].own);
			if (o) {
				json_object_set_new(o, "snippet", snippet_html(stmt_text(s, 3)));
				json_array_append_new(out, o);
			}
		}
		stmt_done(s);
	}
	s = NULL;
out:
	if (p)
		kb_stemmer_free(p->stemmer);
	free(p);
	free(h);
	free(match.p);
	free(spec.p);
	free(groups.p);
	vocab_free(&v);
	if (err) {
		json_decref(out);
		return err;
	}
	*hits = out;
	return 0;
}
