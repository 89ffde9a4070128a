/* What the knowledge base's files share: tokenizing Swedish text and small helpers. */
#ifndef LOTSEN_KB_INT_H
#define LOTSEN_KB_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "text/text.h"

struct sb_stemmer;
struct db;

/* The local calendar date of `now` as YYYY-MM-DD. */
void kb_today(int64_t now, char out[11]);
bool kb_date_valid(const char *s);

/* Rebuild the search row of one article from its current text, and the term dictionary
 * with it; an article that no longer exists leaves the index. */
int kb_index_article(struct db *db, int64_t id);

/* The index's term dictionary (table kb_terms) as one connection caches it, read again
 * only when kb_meta.gen says the index changed. */
struct kb_dict {
	char **term;     /* sorted bytewise, as the index keeps them */
	int64_t *df;     /* documents holding each term */
	uint8_t *nchars; /* code points of each term (capped at 255) */
	uint64_t *mask;  /* the letters each term has, one bit per letter (hashed) */
	size_t *rev;     /* term indices sorted by the terms' bytes reversed: suffix lookups */
	char *rpool;     /* the reversed terms, NUL-separated, in the order of rev */
	size_t *roff;    /* offset in rpool of each entry of rev */
	size_t n;        /* terms */
	int64_t docs;    /* rows in the index */
	char *pool;      /* the terms' text */
	int64_t gen;     /* kb_meta.gen when read */
	bool loaded;     /* gen and the arrays are valid */
};
/* Index size up to which kb_search ranks every article that matches (see kb_search.c). */
#define KB_EXACT_MAX_DOCS 1000
/* Per-connection state of the knowledge base (kept in the connection's DB_SLOT_KB). */
struct kb_conn {
	struct kb_dict dict;
	struct sb_stemmer *stemmer;  /* for query words and the dictionary's upkeep */
	int64_t exact_max_docs;      /* rank every match up to this index size (kb_search.c) */
	struct kb_words_list *words; /* synonyms and search words (kb_synonyms.c); NULL: unread */
};
/* This connection's state, created on first use; borrowed, lives as long as `db`. */
int kb_conn_get(struct db *db, struct kb_conn **cp);
/* The dictionary as of now, re-read if the index changed; borrowed from the connection
 * and valid until the next change of the index on this connection. */
int kb_dict_get(struct db *db, const struct kb_dict **dp);
/* Keep kb_terms, kb_postings and kb_meta in step when the index row of article `id`
 * changes from `old` to `cur` (title, tags, body; NULL: no row). Call it in the transaction that
 * changes kb_fts. */
int kb_terms_change(struct db *db, int64_t id, const char *const *old, const char *const *cur);
/* A term's impact in a document worth a row of kb_postings, ×1000 as stored there: it is
 * in the title or tags, or more than once in a body of usual length. */
#define KB_IMPACT_MIN 1300
/* The same function of an indexed row and of its postings: (re)compute the postings of
 * every row (after the migration that created kb_postings). */
int kb_postings_backfill(struct db *db);
/* The letters of a UTF-8 word as a bit set: a word one edit away differs in at most two
 * bits, which lets near-spelling scans skip most of the dictionary. */
uint64_t kb_letter_mask(const char *w, size_t n);
/* Count code points. */
size_t kb_nchars(const char *w, size_t n);

/* A growable byte buffer for building text. */
struct kb_buf {
	char *p;
	size_t n, cap;
	bool oom;
};
void kb_buf_add(struct kb_buf *b, const char *s, size_t n);
void kb_buf_str(struct kb_buf *b, const char *s);
void kb_buf_fmt(struct kb_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The NUL-terminated text, owned by the caller; NULL when out of memory. */
char *kb_buf_take(struct kb_buf *b);

/* --- the Swedish dictionary (kb_words.c) --- */

#define KB_LEX_PARTS 4
/* What the dictionary says about one lower-case word. */
struct kb_lex {
	char lemma[TEXT_TOKEN_MAX + 1];              /* base form; the word when unknown */
	char part[KB_LEX_PARTS][TEXT_TOKEN_MAX + 1]; /* a compound's parts in base form */
	int nparts;                                  /* 0: not a compound the dictionary knows */
	bool split;                                  /* parts looked for */
};
/* Is the dictionary loaded (it is tried once per process, on first use)? Without it
 * search splits compounds against the index's own words only. */
bool kb_words_ready(void);
/* Base form of a word and, with `parts`, a compound's parts. ENOENT without a dictionary. */
int kb_words_analyze(const char *w, size_t n, bool parts, struct kb_lex *out);
/* The dictionary's best correction of a misspelt word into `out`. ENOENT: none. */
int kb_words_suggest(const char *w, size_t n, char *out, size_t outsz);

/* --- the municipality's own words (kb_synonyms.c) --- */

#define KB_SYN_WORDS 6
/* A synonym: a word people say and the words the articles use, Snowball-stemmed. */
struct kb_syn {
	char from[TEXT_TOKEN_MAX + 1];
	char from_stem[TEXT_TOKEN_MAX + 1]; /* `from` Snowball-stemmed, for its inflections */
	char to[KB_SYN_WORDS][TEXT_TOKEN_MAX + 1];
	int nto;
};
/* A search word (sökord) that leads to one article: every word of it in the query. */
struct kb_keyword {
	char word[KB_SYN_WORDS][TEXT_TOKEN_MAX + 1];
	int nwords;
	int64_t article_id;
};
struct kb_words_list {
	struct kb_syn *syn;
	size_t nsyn;
	struct kb_keyword *kw;
	size_t nkw;
	int64_t gen; /* kb_words_meta.gen when read */
	bool loaded;
};
/* The synonyms and search words as of now, re-read when an owner changed them; borrowed
 * from the connection. */
int kb_words_list_get(struct db *db, const struct kb_words_list **lp);
void kb_words_list_clear(struct kb_words_list *l);

/* A time as the API shows times: ISO 8601 UTC ("2026-11-23T12:50:43Z"), a new reference. */
json_t *kb_time_json(int64_t t);

#endif
