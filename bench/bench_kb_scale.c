/* Knowledge-base search at scale: index build time and size, latency and recall on N generated
 * articles. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/auth.h"
#include "base/valid.h"
#include "kb/kb.h"
#include "store/db.h"
#include "store/schema.h"

#define BATCH       1000 /* articles per transaction, as a large import would commit */
#define MAX_QUERIES 1024

/* The organisation the demo articles name, without the rest of the demo (as bench_kb.c). */
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
        " ('chef.stod', 'Maria Eriksson', 'manager', NULL), ('chef.barn', 'Johan Nilsson', "
        "'manager', NULL),"
        " ('chef.miljo', 'Karin Berg', 'manager', NULL), ('lead.aldre', 'Elin Sandberg', "
        "'group_lead', NULL),"
        " ('lead.forskola', 'Omar Haddad', 'group_lead', NULL),"
        " ('viewer.trafik', 'Trafikkontoret', 'client_viewer', 3);";

/* Who writes the generated articles and who searches them. */
static const char people[] =
        "INSERT INTO users(username, display_name, role) VALUES"
        " ('admin.bench', 'Bench Admin', 'admin'), ('agent.bench', 'Bench Agent', 'agent');";

/* ================================================================================
 * Small helpers
 * ================================================================================ */

struct buf {
	char *p;
	size_t n, cap;
	bool oom;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->n + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted array, in ms. */
static double pct_ms(const int64_t *sorted, size_t n, double q)
{
	size_t k = (size_t)(q * (double)n + 0.999999);

	k = k ? k - 1 : 0;
	if (k >= n)
		k = n - 1;
	return (double)sorted[k] / 1e6;
}

/* xorshift64*: deterministic across runs and platforms, unlike rand(). */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1du;
}

/* Uniform in [lo, hi]. */
static size_t rng_range(size_t lo, size_t hi)
{
	return lo + (size_t)(rng() % (uint64_t)(hi - lo + 1));
}

static bool parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || v == 0)
		return false;
	*out = (size_t)v;
	return true;
}

/* ================================================================================
 * The vocabulary, harvested from the demo articles
 * ================================================================================ */

/* Every word of the demo texts, repeats kept, so that drawing uniformly from it follows
 * the real word frequencies. */
struct words {
	struct buf pool; /* NUL-separated lower-case words */
	size_t *off;     /* start of each word in pool */
	size_t n, cap;
};

/* Length of the letter at `p` (1 or 2 bytes), 0 if it is no letter. Latin-1 letters in
 * UTF-8 (å ä ö é ü …) are 0xc3 followed by 0x80–0xbf, except × and ÷. */
static size_t letter_len(const unsigned char *p)
{
	if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
		return 1;
	if (p[0] == 0xc3 && p[1] >= 0x80 && p[1] <= 0xbf && p[1] != 0x97 && p[1] != 0xb7)
		return 2;
	return 0;
}

static int words_add(struct words *w, const unsigned char *s, size_t n)
{
	char tmp[128];
	size_t k = 0, letters = 0;

	for (size_t i = 0; i < n && k + 2 < sizeof(tmp);) {
		size_t l = letter_len(s + i);
		if (l == 1) {
			tmp[k++] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
		} else {
			tmp[k++] = (char)s[i];
			tmp[k++] = (char)(s[i + 1] <= 0x9e ? s[i + 1] + 0x20 : s[i + 1]);
		}
		letters++;
		i += l;
	}
	if (letters < 3)
		return 0;
	tmp[k] = '\0';
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 4096;
		size_t *o = realloc(w->off, cap * sizeof(*o));
		if (!o)
			return ENOMEM;
		w->off = o;
		w->cap = cap;
	}
	w->off[w->n++] = w->pool.n;
	buf_add(&w->pool, tmp, k + 1);
	return w->pool.oom ? ENOMEM : 0;
}

static int words_from_text(struct words *w, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	int err = 0;

	while (*p && !err) {
		size_t l;
		while (*p && !letter_len(p))
			p++;
		const unsigned char *start = p;
		while (*p && (l = letter_len(p)))
			p += l;
		if (p > start)
			err = words_add(w, start, (size_t)(p - start));
	}
	return err;
}

/* Body text and the title and tags of the front matter; not its keys and values such as
 * "status: published", which are no article text. */
static int words_from_file(struct words *w, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[8192];
	bool front = false;
	int nline = 0, err = 0;

	if (!f)
		return errno;
	while (!err && fgets(line, sizeof(line), f)) {
		nline++;
		if (strncmp(line, "---", 3) == 0 && (nline == 1 || front)) {
			front = nline == 1;
			continue;
		}
		if (!front)
			err = words_from_text(w, line);
		else if (strncmp(line, "title:", 6) == 0 || strncmp(line, "tags:", 5) == 0)
			err = words_from_text(w, strchr(line, ':') + 1);
	}
	fclose(f);
	return err;
}

static int md_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 3 && strcmp(d->d_name + n - 3, ".md") == 0;
}

static int words_harvest(struct words *w, const char *dir, size_t *files)
{
	struct dirent **names;
	int n = scandir(dir, &names, md_filter, alphasort), err = 0;

	*files = 0;
	if (n < 0)
		return errno;
	for (int i = 0; i < n; i++) {
		char path[4096];
		if (!err) {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			err = words_from_file(w, path);
			*files += !err;
		}
		free(names[i]);
	}
	free(names);
	return err;
}

static const char *word_any(const struct words *w)
{
	return w->pool.p + w->off[rng() % w->n];
}

/* Append a word, its first letter upper-case when it starts a sentence or title. */
static void put_word(struct buf *b, const char *word, bool cap)
{
	const unsigned char *u = (const unsigned char *)word;
	char first[2];

	if (!cap) {
		buf_str(b, word);
	} else if (u[0] >= 'a' && u[0] <= 'z') {
		first[0] = (char)(u[0] - 32);
		buf_add(b, first, 1);
		buf_str(b, word + 1);
	} else if (u[0] == 0xc3 && u[1] >= 0xa0 && u[1] <= 0xbe) {
		first[0] = (char)0xc3;
		first[1] = (char)(u[1] - 0x20);
		buf_add(b, first, 2);
		buf_str(b, word + 2);
	} else {
		buf_str(b, word);
	}
}

/* A sentence of `n` words, ending in `end`. */
static size_t put_sentence(struct buf *b, const struct words *w, size_t n, const char *end)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_str(b, i % 7 == 5 && rng() % 3 == 0 ? ", " : " ");
		put_word(b, word_any(w), i == 0);
	}
	buf_str(b, end);
	return n;
}

/* ================================================================================
 * Generated articles
 * ================================================================================ */

static const char *const kinds[] = {"qa",      "qa",        "qa",   "routine",
                                    "routine", "checklist", "news", "notice"};

/* One article's JSON input, shaped like the demo's: a question and answer, a routine with
 * numbered steps or a checklist, 80–250 words of Markdown, 3–8 title words. */
static json_t *article_make(const struct words *w, size_t i)
{
	struct buf title = {0}, body = {0};
	char slug[32];
	const char *kind = kinds[rng() % (sizeof(kinds) / sizeof(kinds[0]))];
	size_t nt = rng_range(3, 8), target = rng_range(80, 250), done = 0;
	json_t *groups = json_array(), *clients = json_array(), *tags = json_array(), *a;

	for (size_t k = 0; k < nt; k++) {
		if (k)
			buf_str(&title, " ");
		put_word(&title, word_any(w), k == 0);
	}
	if (strcmp(kind, "qa") == 0) {
		buf_str(&body, "**Fråga:** ");
		done += put_sentence(&body, w, rng_range(6, 14), "?\n\n**Svar:** ");
	}
	while (done < target) {
		size_t left = target - done;
		if (rng() % 4 == 0 && left > 20) {
			/* A list, as routines and checklists have. */
			size_t items = rng_range(3, 6);
			for (size_t k = 0; k < items; k++) {
				char mark[32];
				snprintf(mark, sizeof(mark), "%s",
				         strcmp(kind, "checklist") == 0 ? "- [ ] " : "- ");
				if (strcmp(kind, "routine") == 0)
					snprintf(mark, sizeof(mark), "%zu. ", k + 1);
				buf_str(&body, mark);
				done += put_sentence(&body, w, rng_range(3, 9), ".\n");
			}
			buf_str(&body, "\n");
			continue;
		}
		size_t ns = rng_range(2, 5);
		for (size_t k = 0; k < ns && done < target; k++) {
			size_t len = rng_range(5, 16);
			if (len > target - done)
				len = target - done > 3 ? target - done : 3;
			done += put_sentence(&body, w, len, k + 1 < ns ? ". " : ".");
		}
		buf_str(&body, "\n\n");
	}
	size_t ng = rng_range(1, 2);
	int64_t g0 = (int64_t)rng_range(1, 8), g1 = (int64_t)rng_range(1, 8);
	json_array_append_new(groups, json_integer(g0));
	if (ng == 2 && g1 != g0)
		json_array_append_new(groups, json_integer(g1));
	json_array_append_new(clients, json_integer((json_int_t)rng_range(1, 7)));
	for (size_t k = 0, nk = rng_range(1, 5); k < nk; k++)
		json_array_append_new(tags, json_string(word_any(w)));
	snprintf(slug, sizeof(slug), "gen-%06zu", i);
	if (title.oom || body.oom) {
		a = NULL;
		json_decref(groups);
		json_decref(clients);
		json_decref(tags);
	} else {
		a = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:o}", "slug", slug, "title", title.p,
		              "kind", kind, "status", "published", "body", body.p, "groups", groups,
		              "clients", clients, "tags", tags);
	}
	free(title.p);
	free(body.p);
	return a;
}

/* ================================================================================
 * Sizes
 * ================================================================================ */

static double file_mb(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (double)st.st_size / (1024.0 * 1024.0) : 0.0;
}

/* Per-table sizes from the dbstat virtual table, when SQLite has it. */
static void print_table_sizes(struct db *db)
{
	struct stmt *s;
	double fts = 0, fts_index = 0, fts_content = 0, articles = 0, versions = 0, other = 0;
	double postings = 0, terms = 0;

	if (db_prepare(db, &s, "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name", false)) {
		printf("kb_scale_table_sizes=unavailable (no dbstat in this SQLite)\n");
		return;
	}
	while (stmt_step(s) == DB_ROW) {
		const char *name = stmt_text(s, 0);
		double mb = (double)stmt_int(s, 1) / (1024.0 * 1024.0);
		if (strncmp(name, "kb_fts_", 7) == 0) {
			fts += mb;
			if (strcmp(name, "kb_fts_data") == 0 || strcmp(name, "kb_fts_idx") == 0)
				fts_index += mb;
			else if (strcmp(name, "kb_fts_content") == 0)
				fts_content += mb;
		} else if (strcmp(name, "kb_postings") == 0) {
			postings += mb;
		} else if (strcmp(name, "kb_terms") == 0) {
			terms += mb;
		} else if (strncmp(name, "kb_versions", 11) == 0 ||
		           strncmp(name, "sqlite_autoindex_kb_versions", 28) == 0) {
			versions += mb;
		} else if (strncmp(name, "kb_article", 10) == 0 ||
		           strncmp(name, "sqlite_autoindex_kb_article", 27) == 0) {
			articles += mb;
		} else {
			other += mb;
		}
	}
	stmt_done(s);
	printf("kb_scale_fts_mb=%.1f\n", fts);
	printf("kb_scale_fts_index_mb=%.1f\n", fts_index);
	printf("kb_scale_fts_content_mb=%.1f\n", fts_content);
	printf("kb_scale_postings_mb=%.1f (kb_postings: the terms' best documents)\n", postings);
	printf("kb_scale_terms_mb=%.1f (kb_terms: the term dictionary)\n", terms);
	printf("kb_scale_articles_tables_mb=%.1f\n", articles);
	printf("kb_scale_versions_mb=%.1f\n", versions);
	printf("kb_scale_other_mb=%.1f\n", other);
}

/* Reading the whole vocabulary with document counts: from fts5vocab, as every kb_search
 * did before the term dictionary, and from kb_terms, as a connection does when the index
 * changed since it last searched. */
static int vocab_scan(struct db *db, const char *sql, size_t *terms, int64_t *ns)
{
	struct stmt *s;
	int64_t t0 = now_ns();
	int rc, err = db_prepare(db, &s, sql, false);

	*terms = 0;
	if (err)
		return err;
	while ((rc = stmt_step(s)) == DB_ROW)
		(*terms)++;
	stmt_done(s);
	*ns = now_ns() - t0;
	return rc == DB_DONE ? 0 : rc;
}

/* ================================================================================
 * Queries
 * ================================================================================ */

struct query {
	char *text;
	char *expect;
};

static int queries_read(const char *path, struct query *q, size_t *n)
{
	FILE *f = fopen(path, "r");
	char line[1024];

	*n = 0;
	if (!f)
		return errno;
	while (fgets(line, sizeof(line), f) && *n < MAX_QUERIES) {
		char *tab = strchr(line, '\t'), *nl;
		if (line[0] == '#' || !tab)
			continue;
		*tab = '\0';
		nl = strchr(tab + 1, '\n');
		if (nl)
			*nl = '\0';
		q[*n].text = strdup(line);
		q[*n].expect = strdup(tab + 1);
		if (!q[*n].text || !q[*n].expect) {
			fclose(f);
			return ENOMEM;
		}
		(*n)++;
	}
	fclose(f);
	return 0;
}

static int rank_of(const json_t *hits, const char *slug)
{
	for (size_t i = 0; i < json_array_size(hits); i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(hits, i), "slug")),
		           slug) == 0)
			return (int)i + 1;
	return 0;
}

int main(int argc, char **argv)
{
	/* --reuse: search the database an earlier run built instead of building it again,
	 * to iterate on search quickly. */
	bool reuse = argc > 1 && strcmp(argv[1], "--reuse") == 0;
	argc -= reuse;
	argv += reuse;
	const char *path = argc > 1 ? argv[1] : "/tmp/kb-scale.db";
	const char *dir = argc > 3 ? argv[3] : "demo/kb";
	const char *qpath = argc > 4 ? argv[4] : "bench/kb_queries.tsv";
	size_t n = 100000, reps = 20, budget_s = 150;
	char side[4200];
	struct db *db = NULL;
	struct words w = {0};
	struct query *qs = NULL;
	struct kb_io_error e = {{0}};
	struct principal admin = {.role = ROLE_ADMIN}, agent = {.role = ROLE_AGENT};
	size_t files = 0, demo = 0, nq = 0, at1 = 0, at5 = 0, nlat = 0, terms = 0;
	int64_t *lat = NULL, now = (int64_t)time(NULL), t0, t_gen = 0, vocab_ns[5], dict_ns[5];
	int err;

	if ((argc > 2 && !parse_size(argv[2], &n)) || (argc > 5 && !parse_size(argv[5], &reps)) ||
	    (argc > 6 && !parse_size(argv[6], &budget_s))) {
		fprintf(stderr, "usage: bench_kb_scale [--reuse] DB [N=100000] [DEMO_DIR=demo/kb] "
		                "[QUERIES=bench/kb_queries.tsv] [REPS=20] [SEARCH_BUDGET_S=150]\n");
		return 2;
	}
	if (!reuse) {
		unlink(path);
		snprintf(side, sizeof(side), "%s-wal", path);
		unlink(side);
		snprintf(side, sizeof(side), "%s-shm", path);
		unlink(side);
	}

	err = words_harvest(&w, dir, &files);
	if (err || w.n == 0) {
		fprintf(stderr, "bench_kb_scale: no words from %s: %s\n", dir,
		        err ? strerror(err) : "no .md files");
		return 1;
	}
	t0 = now_ns();
	if (db_open(&db, path, NULL) || schema_migrate(db) || kb_migrate(db) ||
	    (!reuse && (db_exec(db, fixture) || db_exec(db, people)))) {
		fprintf(stderr, "bench_kb_scale: cannot set up %s\n", path);
		return 1;
	}
	int64_t t_open = now_ns() - t0;
	{
		struct stmt *s;
		if (db_prepare(db, &s, "SELECT id, role FROM users WHERE username LIKE '%.bench'",
		               false))
			return 1;
		while (stmt_step(s) == DB_ROW) {
			if (strcmp(stmt_text(s, 1), "admin") == 0)
				admin.id = stmt_int(s, 0);
			else
				agent.id = stmt_int(s, 0);
		}
		stmt_done(s);
	}

	/* ---- build: every article through kb_article_create, as an import or the API would ----
	 */
	t0 = now_ns();
	for (size_t i = 0; i < n && !reuse; i += BATCH) {
		int64_t tg;
		if ((err = db_begin(db)))
			break;
		for (size_t k = i; k < n && k < i + BATCH && !err; k++) {
			struct verrors v;
			int64_t id;
			tg = now_ns();
			json_t *a = article_make(&w, k);
			t_gen += now_ns() - tg;
			if (!a) {
				err = ENOMEM;
				break;
			}
			valid_init(&v, true);
			err = kb_article_create(db, &admin, a, now, &id, &v);
			if (err) {
				char *dump = v.list ? json_dumps(v.list, 0) : NULL;
				fprintf(stderr, "bench_kb_scale: article %zu: %s %s\n", k,
				        strerror(err), dump ? dump : "");
				free(dump);
			}
			valid_free(&v);
			json_decref(a);
		}
		if (err || (err = db_commit(db))) {
			db_rollback(db);
			break;
		}
		if ((i / BATCH) % 10 == 9 || i + BATCH >= n)
			fprintf(stderr, "bench_kb_scale: %zu articles, %.1f s\n",
			        i + BATCH < n ? i + BATCH : n, (double)(now_ns() - t0) / 1e9);
	}
	int64_t t_build = now_ns() - t0;
	if (err) {
		fprintf(stderr, "bench_kb_scale: build failed: %s\n", strerror(err));
		return 1;
	}
	t0 = now_ns();
	if (!reuse && kb_import_dir(db, dir, now, &demo, &e)) {
		fprintf(stderr, "bench_kb_scale: import of %s failed: %s\n", dir, e.msg);
		return 1;
	}
	int64_t t_demo = now_ns() - t0;

	printf("kb_scale_vocabulary_words=%zu (from %zu files in %s, repeats kept)\n", w.n, files,
	       dir);
	if (reuse)
		printf("kb_scale_reused=%s (built by an earlier run; build figures below are not "
		       "measured; opening and migrating it took %.1f s)\n",
		       path, (double)t_open / 1e9);
	printf("kb_scale_articles=%zu (%zu generated + %zu demo)\n", n + demo, n, demo);
	printf("kb_scale_build_s=%.1f (kb_article_create incl. versions and FTS5 indexing, %d per "
	       "transaction; generating the text: %.1f s of it)\n",
	       (double)t_build / 1e9, BATCH, (double)t_gen / 1e9);
	printf("kb_scale_build_articles_per_s=%.0f\n", (double)n / ((double)t_build / 1e9));
	printf("kb_scale_demo_import_ms=%.1f\n", (double)t_demo / 1e6);

	/* ---- size ---- */
	if (db_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)"))
		fprintf(stderr, "bench_kb_scale: checkpoint failed: %s\n", db_errmsg(db));
	printf("kb_scale_db_mb=%.1f (after wal_checkpoint(TRUNCATE))\n", file_mb(path));
	print_table_sizes(db);

	/* ---- search ---- */
	qs = calloc(MAX_QUERIES, sizeof(*qs));
	if (!qs || queries_read(qpath, qs, &nq) || nq == 0) {
		fprintf(stderr, "bench_kb_scale: no queries in %s\n", qpath);
		return 1;
	}
	for (size_t i = 0; i < sizeof(vocab_ns) / sizeof(vocab_ns[0]); i++)
		if (vocab_scan(db, "SELECT term, doc FROM kb_vocab", &terms, &vocab_ns[i]) ||
		    vocab_scan(db, "SELECT term, df FROM kb_terms ORDER BY term", &terms,
		               &dict_ns[i])) {
			fprintf(stderr, "bench_kb_scale: cannot read kb_vocab or kb_terms\n");
			return 1;
		}
	qsort(vocab_ns, sizeof(vocab_ns) / sizeof(vocab_ns[0]), sizeof(vocab_ns[0]), cmp_i64);
	qsort(dict_ns, sizeof(dict_ns) / sizeof(dict_ns[0]), sizeof(dict_ns[0]), cmp_i64);
	printf("kb_scale_vocab_terms=%zu\n", terms);
	printf("kb_scale_vocab_scan_ms=%.1f (median of 5 'SELECT term, doc FROM kb_vocab', "
	       "which every kb_search ran before kb_terms)\n",
	       (double)vocab_ns[2] / 1e6);
	printf("kb_scale_dict_load_ms=%.1f (median of 5 reads of kb_terms, which a connection "
	       "does after the index changed)\n",
	       (double)dict_ns[2] / 1e6);

	lat = calloc(nq * reps, sizeof(*lat));
	if (!lat)
		return 1;
	json_t *warm;
	struct kb_query wq = {.text = "hemtjänst", .limit = 5, .who = &agent, .now = now};
	if (kb_search(db, &wq, &warm) == 0)
		json_decref(warm);
	t0 = now_ns();
	size_t done_reps = 0;
	for (size_t r = 0; r < reps; r++) {
		for (size_t i = 0; i < nq; i++) {
			struct kb_query q = {
			        .text = qs[i].text, .limit = 5, .who = &agent, .now = now};
			json_t *hits;
			int64_t ts = now_ns();
			if (kb_search(db, &q, &hits)) {
				fprintf(stderr, "bench_kb_scale: search failed for \"%s\"\n",
				        qs[i].text);
				return 1;
			}
			lat[nlat++] = now_ns() - ts;
			if (r == 0) {
				int rank = rank_of(hits, qs[i].expect);
				at1 += rank == 1;
				at5 += rank >= 1 && rank <= 5;
			}
			json_decref(hits);
		}
		done_reps++;
		/* Keep the whole run bounded: stop repeating once the next round would pass
		 * the budget. */
		int64_t spent = now_ns() - t0;
		if ((double)spent / (double)done_reps * (double)(done_reps + 1) >
		    (double)budget_s * 1e9)
			break;
	}
	int64_t t_search = now_ns() - t0;
	qsort(lat, nlat, sizeof(*lat), cmp_i64);
	printf("kb_scale_queries=%zu\n", nq);
	printf("kb_scale_query_reps=%zu (of %zu asked; repeats stop at a %zu s search budget)\n",
	       done_reps, reps, budget_s);
	printf("kb_scale_searches=%zu (agent principal, limit 5, no own groups)\n", nlat);
	printf("kb_scale_search_p50_ms=%.3f\n", pct_ms(lat, nlat, 0.50));
	printf("kb_scale_search_p90_ms=%.3f\n", pct_ms(lat, nlat, 0.90));
	printf("kb_scale_search_p99_ms=%.3f\n", pct_ms(lat, nlat, 0.99));
	printf("kb_scale_search_max_ms=%.3f\n", (double)lat[nlat - 1] / 1e6);
	printf("kb_scale_search_total_s=%.1f\n", (double)t_search / 1e9);
	printf("kb_scale_recall_at_1=%.3f\n", (double)at1 / (double)nq);
	printf("kb_scale_recall_at_5=%.3f\n", (double)at5 / (double)nq);

	for (size_t i = 0; i < nq; i++) {
		free(qs[i].text);
		free(qs[i].expect);
	}
	free(qs);
	free(lat);
	free(w.off);
	free(w.pool.p);
	db_close(db);
	return 0;
}
