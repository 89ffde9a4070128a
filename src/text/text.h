/* Swedish text for search: words, stems, the "lotsen_sv" FTS5 tokenizer, the "kb_rank"
 * ranking function and MATCH queries, shared by the knowledge base and case search. */
#ifndef LOTSEN_TEXT_TEXT_H
#define LOTSEN_TEXT_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sb_stemmer;

#define TEXT_TOKEN_MAX 64 /* bytes of one token; longer words are cut */

/* Called once per token: the normalized (lower-cased, optionally stemmed) token and
 * the byte range of the word in the input. Non-zero stops the walk. */
typedef int(text_token_h)(void *arg, const char *tok, size_t n, size_t start, size_t end);

/* Split UTF-8 text into words: lower-case, fold accents other than å ä ö, drop
 * one-letter words; with `stemmer`, drop stop words and stem with Snowball. */
int text_tokenize(struct sb_stemmer *stemmer, const char *text, size_t len, text_token_h *h,
                  void *arg);
bool text_stopword(const char *w, size_t n);
/* The stop words, in byte order (for tests: *n is how many). */
const char *const *text_stopwords(size_t *n);
/* Stem the word in place (UTF-8, lower case); returns the stem's length. */
size_t text_stem(struct sb_stemmer *stemmer, char *w, size_t n);
struct sb_stemmer *text_stemmer_new(void);
void text_stemmer_free(struct sb_stemmer *s);

/* kb_rank's score of one term in one document before the term's weight and rarity:
 * BM25F's saturated term frequency over title, tags and body, normalized by fixed
 * reference lengths. `tf` and `len` count tokens per column. */
double text_impact(const int tf[3], const int len[3]);
/* BM25's inverse document frequency, as kb_rank weighs a term. */
double text_idf(int64_t docs, int64_t df);

/* kb_rank's score of one document, for a caller that counted the terms itself (the
 * knowledge base on PostgreSQL): per phrase of the query its word (`group`), the part of
 * a compound (`sub`, 0 the whole word) and its weight times text_idf; `tf[p]` the
 * phrase's tokens per column (title, tags, body) in the document, `len` the document's
 * tokens per column and `avg` the index's mean. BM25F per phrase, each query word counted
 * once by its best form (or the sum of its parts), hits that cover more words first. */
#define TEXT_RANK_MAX_GROUPS 32
#define TEXT_RANK_MAX_SUBS   8
struct text_rank_phrase {
	int group, sub;
	double w;
};
double text_rank_score(const struct text_rank_phrase *ph, int n, int ngroups, const int (*tf)[3],
                       const double len[3], const double avg[3]);

/* Register the "lotsen_sv" FTS5 tokenizer and the "kb_rank" ranking function on a bare
 * SQLite handle (sqlite3 *): store/db.c calls it for every connection it opens, read-only
 * ones included, so any connection can read and write FTS5 tables that use "lotsen_sv".
 * Cheap: a stemmer is made only when a table opens. Idempotent. */
int text_fts_register(void *handle);
/* An FTS5 MATCH expression for text searched over a "lotsen_sv" table: every word of
 * `text` stemmed as documents are, each to be a word of the row ("hemtjänsten" finds
 * "hemtjänst" and "hemtjänstens"; whole words: a part of a compound is not a word of it,
 * and prefixes are not searched, since FTS5 gathers every row of every word a prefix
 * starts before it can return the first). *match is malloc'ed; *nterms the number of
 * words. ENOENT if no word is left (stop words and one-character words are not searched). */
int text_fts_query(const char *text, char **match, size_t *nterms);

#endif
