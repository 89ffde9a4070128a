/* What the knowledge base's files share: tokenizing Swedish text and small helpers. */
#include "text/text.h"
#ifndef LOTSEN_KB_INT_H
#include "text/text.h"
#define LOTSEN_KB_INT_H
#include "text/text.h"

#include "text/text.h"
#include <stdbool.h>
#include "text/text.h"
#include <stddef.h>
#include "text/text.h"
#include <stdint.h>
#include "text/text.h"

#include "text/text.h"
struct sb_stemmer;
#include "text/text.h"
struct db;
#include "text/text.h"

#include "text/text.h"

#include "text/text.h"
/* The local calendar date of `now` as YYYY-MM-DD. */
#include "text/text.h"
void kb_today(int64_t now, char out[11]);
#include "text/text.h"
bool kb_date_valid(const char *s);
#include "text/text.h"

#include "text/text.h"
/* Rebuild the search row of one article from its current text, and the term dictionary
#include "text/text.h"
 * with it; an article that no longer exists leaves the index. */
#include "text/text.h"
int kb_index_article(struct db *db, int64_t id);
#include "text/text.h"

#include "text/text.h"
/* The index's term dictionary (table kb_terms) as one connection caches it, read again
#include "text/text.h"
 * only when kb_meta.gen says the index changed. */
#include "text/text.h"
struct kb_dict {
#include "text/text.h"
	char **term; /* sorted bytewise, as the index keeps them */
#include "text/text.h"
	int64_t *df; /* documents holding each term */
#include "text/text.h"
	uint8_t *nchars; /* code points of each term (capped at 255) */
#include "text/text.h"
	uint64_t *mask; /* the letters each term has, one bit per letter (hashed) */
#include "text/text.h"
	size_t *rev; /* term indices sorted by the terms' bytes reversed: suffix lookups */
#include "text/text.h"
	char *rpool; /* the reversed terms, NUL-separated, in the order of rev */
#include "text/text.h"
	size_t *roff; /* offset in rpool of each entry of rev */
#include "text/text.h"
	size_t n; /* terms */
#include "text/text.h"
	int64_t docs; /* rows in the index */
#include "text/text.h"
	char *pool; /* the terms' text */
#include "text/text.h"
	int64_t gen; /* kb_meta.gen when read */
#include "text/text.h"
	bool loaded; /* gen and the arrays are valid */
#include "text/text.h"
};
#include "text/text.h"
/* Index size up to which kb_search ranks every article that matches (see kb_search.c). */
#include "text/text.h"
#define KB_EXACT_MAX_DOCS 1000
#include "text/text.h"
/* Per-connection state of the knowledge base (kept in the connection's DB_SLOT_KB). */
#include "text/text.h"
struct kb_conn {
#include "text/text.h"
	struct kb_dict dict;
#include "text/text.h"
	struct sb_stemmer *stemmer; /* for query words and the dictionary's upkeep */
#include "text/text.h"
	int64_t exact_max_docs; /* rank every match up to this index size (kb_search.c) */
#include "text/text.h"
	struct kb_words_list *words; /* synonyms and search words (kb_synonyms.c); NULL: unread */
#include "text/text.h"
};
#include "text/text.h"
/* This connection's state, created on first use; borrowed, lives as long as `db`. */
#include "text/text.h"
int kb_conn_get(struct db *db, struct kb_conn **cp);
#include "text/text.h"
/* The dictionary as of now, re-read if the index changed; borrowed from the connection
#include "text/text.h"
 * and valid until the next change of the index on this connection. */
#include "text/text.h"
int kb_dict_get(struct db *db, const struct kb_dict **dp);
#include "text/text.h"
/* Keep kb_terms, kb_postings and kb_meta in step when the index row of article `id`
#include "text/text.h"
 * changes from `old` to `cur` (title, tags, body; NULL: no row). Call it in the transaction that
#include "text/text.h"
 * changes kb_fts. */
#include "text/text.h"
int kb_terms_change(struct db *db, int64_t id, const char *const *old, const char *const *cur);
#include "text/text.h"
/* A term's impact in a document worth a row of kb_postings, ×1000 as stored there: it is
#include "text/text.h"
 * in the title or tags, or more than once in a body of usual length. */
#include "text/text.h"
#define KB_IMPACT_MIN 1300
#include "text/text.h"
/* The same function of an indexed row and of its postings: (re)compute the postings of
#include "text/text.h"
 * every row (after the migration that created kb_postings). */
#include "text/text.h"
int kb_postings_backfill(struct db *db);
#include "text/text.h"
/* The letters of a UTF-8 word as a bit set: a word one edit away differs in at most two
#include "text/text.h"
 * bits, which lets near-spelling scans skip most of the dictionary. */
#include "text/text.h"
uint64_t kb_letter_mask(const char *w, size_t n);
#include "text/text.h"
/* Count code points. */
#include "text/text.h"
size_t kb_nchars(const char *w, size_t n);
#include "text/text.h"

#include "text/text.h"
/* A growable byte buffer for building text. */
#include "text/text.h"
struct kb_buf {
#include "text/text.h"
	char *p;
#include "text/text.h"
	size_t n, cap;
#include "text/text.h"
	bool oom;
#include "text/text.h"
};
#include "text/text.h"
void kb_buf_add(struct kb_buf *b, const char *s, size_t n);
#include "text/text.h"
void kb_buf_str(struct kb_buf *b, const char *s);
#include "text/text.h"
void kb_buf_fmt(struct kb_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#include "text/text.h"
/* The NUL-terminated text, owned by the caller; NULL when out of memory. */
#include "text/text.h"
char *kb_buf_take(struct kb_buf *b);
#include "text/text.h"

#include "text/text.h"
/* --- the Swedish dictionary (kb_words.c) --- */
#include "text/text.h"

#include "text/text.h"
#define KB_LEX_PARTS 4
#include "text/text.h"
/* What the dictionary says about one lower-case word. */
#include "text/text.h"
struct kb_lex {
#include "text/text.h"
	char lemma[TEXT_TOKEN_MAX + 1]; /* base form; the word when unknown */
#include "text/text.h"
	char part[KB_LEX_PARTS][TEXT_TOKEN_MAX + 1]; /* a compound's parts in base form */
#include "text/text.h"
	int nparts; /* 0: not a compound the dictionary knows */
#include "text/text.h"
	bool split; /* parts looked for */
#include "text/text.h"
};
#include "text/text.h"
/* Is the dictionary loaded (it is tried once per process, on first use)? Without it
#include "text/text.h"
 * search splits compounds against the index's own words only. */
#include "text/text.h"
bool kb_words_ready(void);
#include "text/text.h"
/* Base form of a word and, with `parts`, a compound's parts. ENOENT without a dictionary. */
#include "text/text.h"
int kb_words_analyze(const char *w, size_t n, bool parts, struct kb_lex *out);
#include "text/text.h"
/* The dictionary's best correction of a misspelt word into `out`. ENOENT: none. */
#include "text/text.h"
int kb_words_suggest(const char *w, size_t n, char *out, size_t outsz);
#include "text/text.h"

#include "text/text.h"
/* --- the municipality's own words (kb_synonyms.c) --- */
#include "text/text.h"

#include "text/text.h"
#define KB_SYN_WORDS 6
#include "text/text.h"
/* A synonym: a word people say and the words the articles use, Snowball-stemmed. */
#include "text/text.h"
struct kb_syn {
#include "text/text.h"
	char from[TEXT_TOKEN_MAX + 1];
#include "text/text.h"
	char from_stem[TEXT_TOKEN_MAX + 1]; /* `from` Snowball-stemmed, for its inflections */
#include "text/text.h"
	char to[KB_SYN_WORDS][TEXT_TOKEN_MAX + 1];
#include "text/text.h"
	int nto;
#include "text/text.h"
};
#include "text/text.h"
/* A search word (sökord) that leads to one article: every word of it in the query. */
#include "text/text.h"
struct kb_keyword {
#include "text/text.h"
	char word[KB_SYN_WORDS][TEXT_TOKEN_MAX + 1];
#include "text/text.h"
	int nwords;
#include "text/text.h"
	int64_t article_id;
#include "text/text.h"
};
#include "text/text.h"
struct kb_words_list {
#include "text/text.h"
	struct kb_syn *syn;
#include "text/text.h"
	size_t nsyn;
#include "text/text.h"
	struct kb_keyword *kw;
#include "text/text.h"
	size_t nkw;
#include "text/text.h"
	int64_t gen; /* kb_words_meta.gen when read */
#include "text/text.h"
	bool loaded;
#include "text/text.h"
};
#include "text/text.h"
/* The synonyms and search words as of now, re-read when an owner changed them; borrowed
#include "text/text.h"
 * from the connection. */
#include "text/text.h"
int kb_words_list_get(struct db *db, const struct kb_words_list **lp);
#include "text/text.h"
void kb_words_list_clear(struct kb_words_list *l);
#include "text/text.h"

#include "text/text.h"
/* A time as the API shows times: ISO 8601 UTC ("2026-11-23T12:50:43Z"), a new reference. */
#include "text/text.h"
json_t *kb_time_json(int64_t t);
#include "text/text.h"

#include "text/text.h"
#endif
#include "text/text.h"
