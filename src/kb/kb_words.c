/* The Swedish dictionary (hunspell-sv through libhunspell): base forms, the parts of a
 * compound and spelling suggestions for search words, with a per-word cache. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hunspell.h>
#include <jansson.h>

#include "base/log.h"
#include "kb/kb_int.h"
#include "text/text.h"

/* Where Debian and others put the dictionary; LOTSEN_DICT_DIR comes first. */
static const char *const dict_dirs[] = {"/usr/share/hunspell", "/usr/share/myspell/dicts",
                                        "/usr/share/myspell", "/usr/local/share/hunspell"};

#define CACHE_SLOTS 4096 /* words remembered; the cache starts over when it is full */

struct entry {
	char word[TEXT_TOKEN_MAX + 1];
	struct kb_lex lex;
	bool used;
};

struct sugg {
	char word[TEXT_TOKEN_MAX + 1];
	char best[TEXT_TOKEN_MAX + 1]; /* "" when the dictionary had nothing */
	bool used;
};

/* One handle for the process: loading takes a fifth of a second and some 30 MB, and a
 * handle is not safe to share between threads, so every use holds `lock`. The cache is
 * the dictionary's answers, which never change while the process runs. */
static struct {
	pthread_once_t once;
	pthread_mutex_t lock;
	Hunhandle *h;
	struct entry *cache;
	size_t ncache;
	struct sugg *scache;
	size_t nscache;
} lex = {PTHREAD_ONCE_INIT, PTHREAD_MUTEX_INITIALIZER, NULL, NULL, 0, NULL, 0};

static void load(void)
{
	const char *env = getenv("LOTSEN_DICT_DIR");
	char aff[512], dic[512];
	size_t ndirs = sizeof(dict_dirs) / sizeof(dict_dirs[0]);

	for (size_t i = env ? 0 : 1; i <= ndirs; i++) {
		const char *dir = i == 0 ? env : dict_dirs[i - 1];
		snprintf(aff, sizeof(aff), "%s/sv_SE.aff", dir);
		snprintf(dic, sizeof(dic), "%s/sv_SE.dic", dir);
		if (access(aff, R_OK) == 0 && access(dic, R_OK) == 0)
			break;
		aff[0] = '\0';
		if (env && i == 0)
			break; /* a directory named on purpose is the only one tried */
	}
	if (!aff[0]) {
		log_warn("kb.dictionary",
		         "status=missing dir=\"%s\" fallback=\"built-in compound splitting\" "
		         "hint=\"install hunspell-sv\"",
		         env ? env : "/usr/share/hunspell");
		return;
	}
	lex.h = Hunspell_create(aff, dic);
	lex.cache = calloc(CACHE_SLOTS, sizeof(*lex.cache));
	lex.scache = calloc(CACHE_SLOTS / 8, sizeof(*lex.scache));
	if (!lex.h || !lex.cache || !lex.scache) {
		if (lex.h)
			Hunspell_destroy(lex.h);
		lex.h = NULL;
		log_warn("kb.dictionary", "status=unusable dic=\"%s\"", dic);
		return;
	}
	log_info("kb.dictionary", "status=loaded dic=\"%s\"", dic);
}

bool kb_words_ready(void)
{
	pthread_once(&lex.once, load);
	return lex.h != NULL;
}

static size_t hash(const char *w)
{
	size_t x = 5381;

	for (; *w; w++)
		x = x * 33 + (unsigned char)*w;
	return x;
}

/* Is this a word of the dictionary on its own (not a part only compounds allow)? */
static bool known(const char *w, size_t n, size_t min)
{
	char buf[TEXT_TOKEN_MAX + 1];
	char **l;
	int k;

	if (kb_nchars(w, n) < min || n > TEXT_TOKEN_MAX)
		return false;
	memcpy(buf, w, n);
	buf[n] = '\0';
	if (!Hunspell_spell(lex.h, buf))
		return false;
	/* A word the dictionary lists, not one it would build from parts. */
	k = Hunspell_analyze(lex.h, &l, buf);
	bool listed = k > 0 && strstr(l[0], "pa:") == NULL;
	Hunspell_free_list(lex.h, &l, k);
	return listed;
}

static void lemma_of(const char *w, char *out)
{
	char **l;
	int k = Hunspell_stem(lex.h, &l, w);

	out[0] = '\0';
	/* The base form that keeps the word's beginning, the most of it, then the shortest:
	 * "parkeringskortet" → "parkeringskort" (not "kort"), "sophämtningarna" →
	 * "sophämtning". */
	size_t best = 0;
	for (int i = 0; i < k; i++) {
		size_t c = 0, ln = strlen(l[i]);
		while (l[i][c] && l[i][c] == w[c])
			c++;
		if (ln > TEXT_TOKEN_MAX || strchr(l[i], ' ') != NULL || c < 3 || c + 3 < ln)
			continue; /* "matavfallspåsarna" → "matpåse" loses the word */
		if (!out[0] || c > best || (c == best && ln < strlen(out))) {
			snprintf(out, TEXT_TOKEN_MAX + 1, "%s", l[i]);
			best = c;
		}
	}
	Hunspell_free_list(lex.h, &l, k);
}

static void part_add(struct kb_lex *x, const char *w, size_t n)
{
	if (x->nparts < KB_LEX_PARTS && n <= TEXT_TOKEN_MAX) {
		memcpy(x->part[x->nparts], w, n);
		x->part[x->nparts++][n] = '\0';
	}
}

/* Split a word the dictionary knows into two words it knows, the first part as long as
 * possible, with Swedish joining letters ("bygglov|s|ansökan", "gat|u|lykta") and a
 * triple consonant written double ("handikapp|parkering" → "handikapparkering"). */
static bool split2(const char *w, size_t n, size_t *ln, size_t *roff, bool *plus_a)
{
	static const char *const links[] = {"", "s", "e", "u", "a", "o"};

	*plus_a = false;
	for (size_t i = n - 2; i >= 3; i--) {
		if (((unsigned char)w[i] & 0xc0) == 0x80)
			continue;
		/* A first part in -a joins with -e-: "förskol|e|plats" is "förskola" + "plats". */
		if (w[i] == 'e' && i + 3 <= n && i < TEXT_TOKEN_MAX) {
			char a[TEXT_TOKEN_MAX + 1];
			memcpy(a, w, i);
			a[i] = 'a';
			if (known(w + i + 1, n - i - 1, 2) && known(a, i + 1, 3)) {
				*ln = i;
				*roff = i + 1;
				*plus_a = true;
				return true;
			}
		}
		if (!known(w, i, 3))
			continue;
		for (size_t l = 0; l < sizeof(links) / sizeof(links[0]); l++) {
			size_t ll = strlen(links[l]);
			if (i + ll + 2 > n || strncmp(w + i + ll, links[l], ll) != 0)
				continue;
			/* A last part may be short: "dagis|kö". */
			if (known(w + i + ll, n - i - ll, 2)) {
				/* A genitive is a word too: "hemhjälps|avgift" is
				 * "hemhjälp|s|avgift". */
				*roff = i + ll;
				*ln = ll == 0 && w[i - 1] == 's' && known(w, i - 1, 3) ? i - 1 : i;
				return true;
			}
		}
		if (i >= 2 && w[i - 1] == w[i - 2] && strchr("bdfgklmnprstv", w[i - 1]) &&
		    known(w + i - 1, n - i + 1, 3)) {
			*ln = i;
			*roff = i - 1;
			return true;
		}
	}
	return false;
}

/* The parts of `w`, whose base form x->lemma already holds. */
static void analyze_parts(const char *w, struct kb_lex *x)
{
	char **l;
	int k;
	size_t ln, roff;
	bool plus_a;

	x->split = true;
	x->nparts = 0;
	/* Two words the dictionary lists, the first as long as possible: "färdtjänst|bil",
	 * which is what an article names, rather than "färd|tjänst|bil". */
	size_t n = strlen(x->lemma);
	if (kb_nchars(x->lemma, n) >= 6 && split2(x->lemma, n, &ln, &roff, &plus_a)) {
		part_add(x, x->lemma, ln);
		part_add(x, x->lemma + roff, n - roff);
		if (plus_a && ln < TEXT_TOKEN_MAX) {
			x->part[0][ln] = 'a';
			x->part[0][ln + 1] = '\0';
		}
		return;
	}
	/* Else the parts of a compound the affix rules formed: "pa:sop st:sop
	 * pa:hämtningarna st:hämtning". */
	k = Hunspell_analyze(lex.h, &l, w);
	if (k > 0) {
		const char *s = l[0];
		while ((s = strstr(s, "pa:")) != NULL) {
			const char *e = s + 3, *st;
			size_t pn = strcspn(e, " \t");
			st = strstr(e + pn, "st:");
			const char *next = strstr(e + pn, "pa:");
			if (st && (!next || st < next))
				part_add(x, st + 3, strcspn(st + 3, " \t"));
			else
				part_add(x, e, pn);
			s = e + pn;
		}
	}
	Hunspell_free_list(lex.h, &l, k);
	if (x->nparts < 2)
		x->nparts = 0;
}

static void analyze(const char *w, bool parts, struct kb_lex *x)
{
	*x = (struct kb_lex){0};
	lemma_of(w, x->lemma);
	if (!x->lemma[0])
		snprintf(x->lemma, sizeof(x->lemma), "%s", w);
	if (parts)
		analyze_parts(w, x);
}

int kb_words_analyze(const char *w, size_t n, bool parts, struct kb_lex *out)
{
	char word[TEXT_TOKEN_MAX + 1];
	struct entry *e;

	if (n == 0 || n > TEXT_TOKEN_MAX)
		return EINVAL;
	if (!kb_words_ready())
		return ENOENT;
	memcpy(word, w, n);
	word[n] = '\0';
	pthread_mutex_lock(&lex.lock);
	for (size_t i = hash(word) % CACHE_SLOTS, probes = 0; probes < 8;
	     i = (i + 1) % CACHE_SLOTS, probes++) {
		e = &lex.cache[i];
		if (e->used && strcmp(e->word, word) == 0) {
			/* Splitting costs most (a spelling check per cut): only when asked. */
			if (parts && !e->lex.split)
				analyze_parts(word, &e->lex);
			*out = e->lex;
			pthread_mutex_unlock(&lex.lock);
			return 0;
		}
		if (!e->used)
			break;
	}
	analyze(word, parts, out);
	if (lex.ncache >= CACHE_SLOTS / 2) {
		memset(lex.cache, 0, CACHE_SLOTS * sizeof(*lex.cache));
		lex.ncache = 0;
	}
	for (size_t i = hash(word) % CACHE_SLOTS;; i = (i + 1) % CACHE_SLOTS)
		if (!lex.cache[i].used) {
			e = &lex.cache[i];
			snprintf(e->word, sizeof(e->word), "%s", word);
			e->lex = *out;
			e->used = true;
			lex.ncache++;
			break;
		}
	pthread_mutex_unlock(&lex.lock);
	return 0;
}

int kb_words_suggest(const char *w, size_t n, char *out, size_t outsz)
{
	char word[TEXT_TOKEN_MAX + 1];
	char **l;
	int k;
	size_t slots = CACHE_SLOTS / 8;

	if (n == 0 || n > TEXT_TOKEN_MAX || outsz == 0)
		return EINVAL;
	out[0] = '\0';
	if (!kb_words_ready())
		return ENOENT;
	memcpy(word, w, n);
	word[n] = '\0';
	pthread_mutex_lock(&lex.lock);
	for (size_t i = hash(word) % slots, probes = 0; probes < 8; i = (i + 1) % slots, probes++) {
		if (lex.scache[i].used && strcmp(lex.scache[i].word, word) == 0) {
			snprintf(out, outsz, "%s", lex.scache[i].best);
			pthread_mutex_unlock(&lex.lock);
			return out[0] ? 0 : ENOENT;
		}
		if (!lex.scache[i].used)
			break;
	}
	/* Hunspell's suggestions take up to a tenth of a second for a long Swedish word
	 * (it tries compounds); they are asked only when a search found nothing good, and
	 * remembered. */
	k = Hunspell_suggest(lex.h, &l, word);
	for (int i = 0; i < k && !out[0]; i++)
		if (strchr(l[i], ' ') == NULL && strchr(l[i], '-') == NULL &&
		    strcasecmp(l[i], word) != 0)
			snprintf(out, outsz, "%s", l[i]);
	Hunspell_free_list(lex.h, &l, k);
	if (lex.nscache >= slots / 2) {
		memset(lex.scache, 0, slots * sizeof(*lex.scache));
		lex.nscache = 0;
	}
	for (size_t i = hash(word) % slots;; i = (i + 1) % slots)
		if (!lex.scache[i].used) {
			snprintf(lex.scache[i].word, sizeof(lex.scache[i].word), "%s", word);
			snprintf(lex.scache[i].best, sizeof(lex.scache[i].best), "%s", out);
			lex.scache[i].used = true;
			lex.nscache++;
			break;
		}
	pthread_mutex_unlock(&lex.lock);
	return out[0] ? 0 : ENOENT;
}
