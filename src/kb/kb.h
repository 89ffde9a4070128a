/* The knowledge base (samarbetsyta): articles, versions, flags, Swedish search, import. */
#ifndef LOTSEN_KB_KB_H
#define LOTSEN_KB_KB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/auth.h"
#include "base/valid.h"

struct db;

/* --- schema and search set-up --- */

/* Create or upgrade the knowledge base's tables (after schema_migrate). Registers the
 * Swedish tokenizer on the connection first, since the FTS5 table names it. */
int kb_migrate(struct db *db);
/* Register the "lotsen_sv" FTS5 tokenizer and the "kb_rank" ranking function on this
 * connection. Every connection that searches or writes articles needs it once;
 * kb_migrate does it for the connection it runs on. Idempotent. */
int kb_search_init(struct db *db);

/* --- the rules --- */

/* May `p` create or edit an article scoped to these departments (clients)? Group leads,
 * managers and admins edit all; a department contact (client_viewer) only articles
 * scoped to its own department and no other; agents never. */
bool kb_can_edit(const struct principal *p, const int64_t *client_ids, size_t n);

/* --- articles ---
 * Article JSON (input and output): slug, title, kind (qa, routine, checklist, news,
 * notice), status (draft, published, archived), body (Markdown), groups [ids],
 * clients [ids], categories [ids], tags [strings], owner_id, review_date, valid_from,
 * valid_to (YYYY-MM-DD or null), note (the version's comment, input only).
 * Outputs add id, version, body_html, created_at, updated_at, updated_by. */

/* Create an article; its version 1 is recorded with `p` as author. Field errors go to
 * `v` (EBADMSG returned); EPERM if `p` may not write that scope. p NULL: system import. */
int kb_article_create(struct db *db, const struct principal *p, const json_t *in, int64_t now,
                      int64_t *idp, struct verrors *v);
/* Change the fields present in `in`; a new version is recorded only if something
 * changed. ENOENT, EPERM, EBADMSG (errors in v). */
int kb_article_update(struct db *db, const struct principal *p, int64_t id, const json_t *in,
                      int64_t now, struct verrors *v);
/* One article as JSON (owned by the caller), with rendered HTML. ENOENT if it does not
 * exist or `p` may not read it. */
int kb_article_get(struct db *db, const struct principal *p, int64_t id, int64_t now, json_t **out);
int kb_article_find_slug(struct db *db, const char *slug, int64_t *idp);

/* Filters of the article list; zero/NULL fields do not filter. */
struct kb_filter {
	const char *kind;    /* qa, routine, checklist, news, notice */
	const char *status;  /* draft, published, archived; NULL: what p may see */
	int64_t group_id;    /* scoped to this group (or to no group) */
	int64_t client_id;   /* scoped to this department */
	int64_t category_id; /* linked to this case category (checklists) */
	const char *tag;
	int64_t limit, offset;
};
/* The articles p may read that match f, `f->limit` after skipping `f->offset`; *total
 * counts every one. */
int kb_article_list(struct db *db, const struct principal *p, const struct kb_filter *f,
                    int64_t now, json_t **items, int64_t *total);

/* Versions: [{version, author_id, author, created_at, note, title}] newest first. */
int kb_versions_list(struct db *db, const struct principal *p, int64_t id, json_t **items);
/* A unified-style diff of two versions (title, metadata and body), lines prefixed by
 * ' ', '-' or '+', hunks headed by "@@ -a,b +c,d @@". `*diff` is malloc'ed. */
int kb_versions_diff(struct db *db, const struct principal *p, int64_t id, int from, int to,
                     char **diff);
/* Line-based LCS diff of two texts, exposed for tests. `*out` is malloc'ed. */
int kb_diff_text(const char *a, const char *b, const char *name_a, const char *name_b, char **out);

/* Urgent notices valid today for a group (group_id 0: all), newest first. */
int kb_notices(struct db *db, const struct principal *p, int64_t group_id, int64_t now,
               json_t **items);
/* Is article `id` a published notice (whatever its dates)? Read before and after a change,
 * it tells whether the desks' notices may have changed. False for no such article. */
bool kb_notice_live(struct db *db, int64_t id);
/* Articles whose review date ("granska senast") is today or past. */
int kb_review_due(struct db *db, const struct principal *p, int64_t now, json_t **items);

/* --- feedback --- */

/* Flag an article: in {kind: wrong|incomplete|outdated, message}. The owner is notified. */
int kb_flag_create(struct db *db, const struct principal *p, int64_t article_id, const json_t *in,
                   int64_t now, int64_t *idp, struct verrors *v);
/* A question the agent found no article for: in {question, group_id?}. */
int kb_missing_create(struct db *db, const struct principal *p, const json_t *in, int64_t now,
                      int64_t *idp, struct verrors *v);
/* status "open", "closed" or NULL for all; what p may see. */
int kb_flags_list(struct db *db, const struct principal *p, const char *status, json_t **items);
/* Close a flag with in {status: "closed", note}. ENOENT, EPERM, EBADMSG, EEXIST (closed). */
int kb_flag_close(struct db *db, const struct principal *p, int64_t flag_id, const json_t *in,
                  int64_t now, struct verrors *v);
/* Record that `article_id` answered case `case_id`. ENOENT (case or article), EPERM. */
int kb_case_link(struct db *db, const struct principal *p, int64_t case_id, int64_t article_id,
                 int64_t now);
/* {most_used: [{id, slug, title, uses}], missing: [{question, count, last_at}],
 *  missed_searches: [{query, count, no_hit, no_click, first_at, last_at}], open_flags: n}
 * for cases received in [from, to) (0: unbounded); searches by their last miss. */
int kb_stats(struct db *db, const struct principal *p, int64_t from, int64_t to, json_t **out);

/* --- search --- */

struct kb_query {
	const char *text;         /* what the agent typed */
	int64_t limit;            /* hits wanted, 1..100 (0: 10) */
	const int64_t *group_ids; /* the agent's own groups, ranked first (borrowed) */
	size_t ngroups;
	const struct principal *who; /* visibility; NULL: every published article */
	int64_t now;                 /* decides which articles are valid today */
};
/* Ranked hits [{id, slug, title, kind, score, snippet, own_group}]; the snippet is
 * HTML-escaped text with matches in <mark>…</mark>. An empty query gives no hits. */
int kb_search(struct db *db, const struct kb_query *q, json_t **hits);
/* The groups a user belongs to, for kb_query.group_ids; *ids malloc'ed. */
int kb_user_groups(struct db *db, int64_t user_id, int64_t **ids, size_t *n);

/* "Did you mean": the query with its words the index does not know replaced by the
 * dictionary's nearest words that it does, or NULL when there is nothing to correct.
 * `*out` is malloc'ed. Slow (up to a tenth of a second per unknown word, then cached):
 * ask only when a search found nothing good. */
int kb_suggest(struct db *db, const char *text, char **out);

/* --- the municipality's own words (synonyms and search words) ---
 * A synonym {id, word, means} leads a word people say to the articles' words; a search
 * word (sökord) {id, phrase, article_id} leads a query holding all its words to one
 * article. Search applies both at once, without re-indexing. Leads, managers, admins and
 * article owners edit synonyms; search words whoever may edit the article. EPERM. */
int kb_synonyms_list(struct db *db, int64_t limit, int64_t offset, json_t **items, int64_t *total);
/* Add, or change what an existing word means: in {word, means}. EBADMSG (errors in v). */
int kb_synonym_put(struct db *db, const struct principal *p, const json_t *in, int64_t now,
                   int64_t *idp, struct verrors *v);
int kb_synonym_delete(struct db *db, const struct principal *p, int64_t id);
int kb_keywords_list(struct db *db, int64_t limit, int64_t offset, json_t **items, int64_t *total);
/* in {phrase, article_id}; ENOENT: no such article. */
int kb_keyword_create(struct db *db, const struct principal *p, const json_t *in, int64_t now,
                      int64_t *idp, struct verrors *v);
int kb_keyword_delete(struct db *db, const struct principal *p, int64_t id);
/* Connect a question agents reported missing to the article that answers it, in
 * {question, article_id, as: "keyword" (default) | "synonym"}: a search word, or for a
 * one-word question a synonym meaning the article's title. The question's open reports
 * are closed and a search that missed with it is resolved.
 * *out {as, id, article_id, question, closed, resolved_searches}. */
int kb_miss_connect(struct db *db, const struct principal *p, const json_t *in, int64_t now,
                    json_t **out, struct verrors *v);

/* --- searches that missed ---
 * Counted per normalized query, never per user: a search that found nothing (no hit),
 * or whose hits the agent left without opening one (no click). Connecting the query to
 * an article (kb_miss_connect) marks it resolved; it is kept but no longer listed. */
#define KB_MISS_QUERY_MAX 200 /* characters kept of a query */
enum kb_miss_kind { KB_MISS_NO_HIT, KB_MISS_NO_CLICK };
/* Lower case, trimmed, whitespace collapsed, cut at KB_MISS_QUERY_MAX characters, into
 * out[n]. EINVAL: nothing left; EPERM: it holds a personnummer or a phone number (`now`
 * decides a short personnummer's century), and is not to be stored. */
int kb_miss_normalize(const char *in, int64_t now, char *out, size_t n);
/* Count one miss of query q; EINVAL or EPERM as kb_miss_normalize, then nothing is kept. */
int kb_miss_record(struct db *db, const char *q, enum kb_miss_kind kind, int64_t now);
/* The unresolved queries that missed most, last missed in [from, to) (0: unbounded):
 * [{query, count, no_hit, no_click, first_at, last_at}]. */
int kb_misses_top(struct db *db, int64_t from, int64_t to, int64_t limit, json_t **items);
/* Mark query q resolved by article_id; *n: 1 when it was listed, else 0. */
int kb_misses_resolve(struct db *db, const char *q, int64_t article_id, int64_t now, int *n);

/* --- read receipts of notices --- */

/* The agent confirms having read notice `id` as of its current version. ENOENT: no
 * published notice `id` that p may read. */
int kb_read_confirm(struct db *db, const struct principal *p, int64_t id, int64_t now);
/* Notices valid today with, for each, the staff of its groups (all agents when it has
 * none) who have not confirmed its current version:
 * [{id, slug, title, version, confirmed, unread: [{id, display_name}]}]. */
int kb_reads_missing(struct db *db, const struct principal *p, int64_t now, json_t **items);
/* The notice ids valid today that p has confirmed as of their current version. */
int kb_reads_mine(struct db *db, const struct principal *p, int64_t now, json_t **ids);

/* --- Markdown --- */

/* Render author Markdown to HTML without raw HTML and without javascript:, vbscript:,
 * data: or file: links. EBADMSG if something unsafe survived (never expected). */
int kb_markdown_html(const char *md, char **html);
/* The Markdown's text without markup, for the index and snippets. */
int kb_markdown_text(const char *md, char **text);

/* --- import / export --- */

/* Where a failed import stopped: "file.md:3: unknown group \"X\"". */
struct kb_io_error {
	char msg[512];
};
/* Import every .md file of DIR (sorted by name) in one transaction; the slug is the file name.
 * Existing slugs get a new version when their content changed. */
int kb_import_dir(struct db *db, const char *dir, int64_t now, size_t *imported,
                  struct kb_io_error *e);
/* Parse one file's text (exposed for tests); `*article` is the article JSON. */
int kb_import_text(struct db *db, const char *file, const char *text, json_t **article,
                   struct kb_io_error *e);
/* Write every non-archived article to DIR/<slug>.md. */
int kb_export_dir(struct db *db, const char *dir, size_t *exported, struct kb_io_error *e);
/* Load the demo municipality's knowledge base from `dir` (e.g. "demo/kb"). */
int kb_demo_load(struct db *db, const char *dir);

/* `lotsen kb import|export|search …`; argv[0] is "kb". Returns the exit status. */
int kb_cli(int argc, char **argv);

#endif
