/* What the knowledge base's files share: tokenizing Swedish text and small helpers. */
#ifndef LOTSEN_KB_INT_H
#define LOTSEN_KB_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sb_stemmer;
struct db;

#define KB_TOKEN_MAX 64 /* bytes of one token; longer words are cut */

/* Called once per token: the normalized (lower-cased, optionally stemmed) token and
 * the byte range of the word in the input. Non-zero stops the walk. */
typedef int(kb_token_h)(void *arg, const char *tok, size_t n, size_t start, size_t end);

/* Split UTF-8 text into words: lower-case, fold accents other than å ä ö, drop
 * one-letter words; with `stemmer`, drop stop words and stem with Snowball. */
int kb_tokenize(struct sb_stemmer *stemmer, const char *text, size_t len, kb_token_h *h, void *arg);
bool kb_stopword(const char *w, size_t n);
/* Stem the word in place (UTF-8, lower case); returns the stem's length. */
size_t kb_stem(struct sb_stemmer *stemmer, char *w, size_t n);
struct sb_stemmer *kb_stemmer_new(void);
void kb_stemmer_free(struct sb_stemmer *s);

/* The local calendar date of `now` as YYYY-MM-DD. */
void kb_today(int64_t now, char out[11]);
bool kb_date_valid(const char *s);

/* Rebuild the search row of one article from its current text. */
int kb_index_article(struct db *db, int64_t id);

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

#endif
