/* /api/v1/kb: knowledge-base articles, versions, flags, search, notices and statistics. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_int.h"
#include "kb/kb.h"
#include "store/db.h"

#define ROLES_EDITORS (ROLES_LEADS | ROLE_CLIENT_VIEWER)

#define EDIT_DENIED_SV                                                                             \
	"Bara gruppledare, chefer och administratörer redigerar alla artiklar; en "               \
	"kontaktperson på en förvaltning bara artiklar som gäller den egna förvaltningen."
#define EDIT_DENIED_EN                                                                             \
	"Only group leads, managers and admins edit every article; a department "                  \
	"contact only articles scoped to its own department."

/* An article as resp_domain names it (`what` in store errors), with the editors' rule. */
static struct domain_ref article_ref(int64_t id, const char *what)
{
	return (struct domain_ref){what, "ingen artikel", "article",
	                           id,   EDIT_DENIED_SV,  EDIT_DENIED_EN};
}

static int not_found(struct req *r, const char *sv, const char *en, int64_t id)
{
	return resp_error(r, 404, "not-found", L(r, "Finns inte", "Not found"),
	                  L(r, "Det finns ingen %s med id %lld.", "There is no %s with id %lld."),
	                  L(r, sv, en), (long long)id);
}

static int forbidden(struct req *r, const char *sv, const char *en)
{
	return resp_error(r, 403, "forbidden", L(r, "Ej behörig", "Forbidden"), "%s", L(r, sv, en));
}

static int edit_forbidden(struct req *r)
{
	return forbidden(r, EDIT_DENIED_SV, EDIT_DENIED_EN);
}

static int query_enum(struct req *r, const char *key, const char *const *ok, const char *list,
                      const char **out)
{
	const char *s = req_query(r, key);

	*out = NULL;
	if (!s)
		return 0;
	for (size_t i = 0; ok[i]; i++)
		if (strcmp(s, ok[i]) == 0) {
			*out = s;
			return 0;
		}
	resp_error(r, 400, "bad-query", L(r, "Felaktig parameter", "Bad parameter"),
	           L(r, "%s måste vara en av: %s.", "%s must be one of: %s."), key, list);
	return EINVAL;
}

static int article_response(struct req *r, int64_t id, unsigned status)
{
	json_t *o;
	int err = kb_article_get(r->app->db, &r->who, id, r->now, &o);
	struct domain_ref ref = article_ref(id, "article");

	/* A reader refused an article is told by the store's rule, not the editors'. */
	ref.denied_sv = ref.denied_en = NULL;
	if (err)
		return resp_domain(r, err, &ref, NULL);
	return resp_json(r, status, o);
}

static int articles_list(struct req *r)
{
	static const char *const kinds[] = {"qa", "routine", "checklist", "news", "notice", NULL};
	static const char *const statuses[] = {"draft", "published", "archived", NULL};
	struct kb_filter f = {0};
	struct page pg;
	json_t *items;
	int err;

	if (query_enum(r, "kind", kinds, "qa, routine, checklist, news, notice", &f.kind) ||
	    query_enum(r, "status", statuses, "draft, published, archived", &f.status) ||
	    req_query_int(r, "group_id", &f.group_id) ||
	    req_query_int(r, "client_id", &f.client_id) ||
	    req_query_int(r, "category_id", &f.category_id) || req_query_page(r, 100, 500, &pg))
		return 0;
	f.limit = pg.limit;
	f.offset = pg.offset;
	f.tag = req_query(r, "tag");
	err = kb_article_list(r->app->db, &r->who, &f, r->now, &items, &pg.total);
	if (err)
		return resp_store_error(r, err, "article");
	return resp_list(r, items, &pg);
}

static int articles_create(struct req *r)
{
	struct verrors v;
	json_t *in;
	int64_t id = 0;
	int err;

	if (req_json_object(r, &in))
		return 0;
	valid_init(&v, r->lang[0] == 'e');
	err = kb_article_create(r->app->db, &r->who, in, r->now, &id, &v);
	json_decref(in);
	if (valid_has_errors(&v))
		return resp_field_errors(r, &v);
	if (err == EPERM)
		return edit_forbidden(r);
	if (err)
		return resp_store_error(r, err, "article");
	if (kb_notice_live(r->app->db, id))
		sse_notice(r->sse, id);
	return article_response(r, id, 201);
}

static int articles_get(struct req *r)
{
	return article_response(r, r->params[0], 200);
}

static int articles_update(struct req *r)
{
	struct verrors v;
	json_t *in;
	bool was_notice;
	int err;

	if (req_json_object(r, &in))
		return 0;
	/* A notice published, changed or withdrawn (archived, made another kind) reaches the
	 * desks at once; a draft is nobody's notice yet. */
	was_notice = kb_notice_live(r->app->db, r->params[0]);
	valid_init(&v, r->lang[0] == 'e');
	err = kb_article_update(r->app->db, &r->who, r->params[0], in, r->now, &v);
	json_decref(in);
	if (err || valid_has_errors(&v)) {
		struct domain_ref ref = article_ref(r->params[0], "article");
		return resp_domain(r, err, &ref, &v);
	}
	if (was_notice || kb_notice_live(r->app->db, r->params[0]))
		sse_notice(r->sse, r->params[0]);
	return article_response(r, r->params[0], 200);
}

static int versions_list(struct req *r)
{
	struct page pg;
	json_t *items;
	int err;

	if (req_query_page(r, 100, 1000, &pg))
		return 0;
	err = kb_versions_list(r->app->db, &r->who, r->params[0], &items);
	if (err) {
		struct domain_ref ref = article_ref(r->params[0], "article");
		ref.denied_sv = ref.denied_en = NULL;
		return resp_domain(r, err, &ref, NULL);
	}
	return resp_list_slice(r, items, &pg);
}

static int versions_diff(struct req *r)
{
	int64_t from, to;
	char *diff;
	int err;

	if (req_query_int(r, "from", &from) || req_query_int(r, "to", &to))
		return 0;
	if (!from || !to || from > 1000000 || to > 1000000)
		return resp_error(r, 400, "bad-query", L(r, "Felaktig parameter", "Bad parameter"),
		                  "%s",
		                  L(r, "Ange versionerna som from=N&to=M (positiva heltal).",
		                    "Give the versions as from=N&to=M (positive integers)."));
	err = kb_versions_diff(r->app->db, &r->who, r->params[0], (int)from, (int)to, &diff);
	if (err == ENOENT)
		return resp_error(r, 404, "not-found", L(r, "Finns inte", "Not found"),
		                  L(r, "Artikel %lld har ingen version %lld eller %lld.",
		                    "Article %lld has no version %lld or %lld."),
		                  (long long)r->params[0], (long long)from, (long long)to);
	if (err)
		return resp_store_error(r, err, "article");
	json_t *o = json_pack("{s:I,s:I,s:I,s:s}", "article_id", (json_int_t)r->params[0], "from",
	                      (json_int_t)from, "to", (json_int_t)to, "diff", diff);
	free(diff);
	return resp_json(r, 200, o);
}

static int flags_create(struct req *r)
{
	struct verrors v;
	json_t *in;
	int64_t id = 0;
	int err;

	if (req_json_object(r, &in))
		return 0;
	valid_init(&v, r->lang[0] == 'e');
	err = kb_flag_create(r->app->db, &r->who, r->params[0], in, r->now, &id, &v);
	json_decref(in);
	if (err || valid_has_errors(&v)) {
		struct domain_ref ref = article_ref(r->params[0], "flag");
		ref.denied_sv = ref.denied_en = NULL;
		return resp_domain(r, err, &ref, &v);
	}
	return resp_json(r, 201,
	                 json_pack("{s:I,s:I,s:s}", "id", (json_int_t)id, "article_id",
	                           (json_int_t)r->params[0], "status", "open"));
}

static int flags_list(struct req *r)
{
	static const char *const statuses[] = {"open", "closed", NULL};
	const char *status;
	struct page pg;
	json_t *items;
	int err;

	if (query_enum(r, "status", statuses, "open, closed", &status) ||
	    req_query_page(r, 100, 1000, &pg))
		return 0;
	err = kb_flags_list(r->app->db, &r->who, status, &items);
	if (err)
		return resp_store_error(r, err, "flag");
	return resp_list_slice(r, items, &pg);
}

static int flags_close(struct req *r)
{
	struct verrors v;
	json_t *in;
	int err;

	if (req_json_object(r, &in))
		return 0;
	valid_init(&v, r->lang[0] == 'e');
	err = kb_flag_close(r->app->db, &r->who, r->params[0], in, r->now, &v);
	json_decref(in);
	if (err == ENOENT || err == EPERM || valid_has_errors(&v))
		return resp_domain(
		        r, err,
		        &(struct domain_ref){
		                "flag", "ingen flagga", "flag", r->params[0],
		                "Flaggan stängs av artikelns ägare, en gruppledare eller en chef.",
		                "The flag is closed by the article's owner, a group lead or a "
		                "manager."},
		        &v);
	if (err == EEXIST)
		return resp_error(r, 409, "already-closed", L(r, "Redan stängd", "Already closed"),
		                  "%s",
		                  L(r, "Flaggan är redan stängd.", "The flag is already closed."));
	if (err)
		return resp_store_error(r, err, "flag");
	return resp_json(
	        r, 200, json_pack("{s:I,s:s}", "id", (json_int_t)r->params[0], "status", "closed"));
}

static int search(struct req *r)
{
	struct kb_query q = {.who = &r->who, .now = r->now};
	const char *text = req_query(r, "q");
	int64_t *groups = NULL;
	size_t ngroups = 0;
	struct page pg;
	json_t *hits, *o;
	int err;

	if (req_query_page(r, 10, 100, &pg))
		return 0;
	if (!text || !*text)
		return resp_error(
		        r, 400, "bad-query", L(r, "Felaktig parameter", "Bad parameter"), "%s",
		        L(r, "q krävs: det du söker efter.", "q is required: what to search for."));
	if (strlen(text) > 500)
		return resp_error(
		        r, 400, "bad-query", L(r, "Felaktig parameter", "Bad parameter"), "%s",
		        L(r, "q får vara högst 500 tecken.", "q may be at most 500 characters."));
	q.text = text;
	/* Ranking needs the best hits up to the page's end; the total counts at most the
	 * 100 best. */
	q.limit = 100;
	/* The agent's own groups come first; a failure here only loses that ordering. */
	if (kb_user_groups(r->app->db, r->who.id, &groups, &ngroups) == 0) {
		q.group_ids = groups;
		q.ngroups = ngroups;
	}
	err = kb_search(r->app->db, &q, &hits);
	free(groups);
	if (err)
		return resp_store_error(r, err, "search");
	/* A first page with nothing on it is a miss the owners should see; a query with
	 * personal data in it is not kept, and a failure to count loses only the count. */
	if (json_array_size(hits) == 0 && pg.offset == 0)
		(void)kb_miss_record(r->app->db, text, KB_MISS_NO_HIT, r->now);
	/* The answer repeats what was searched for, as the search box shows it. */
	o = resp_list_object(hits, &pg);
	json_object_set_new(o, "q", json_string(text));
	/* "Menade du …?": the query with the words the index does not know corrected. */
	char *better = NULL;
	if (kb_suggest(r->app->db, text, &better) == 0 && better)
		json_object_set_new(o, "did_you_mean", json_string(better));
	free(better);
	return resp_json(r, 200, o);
}

/* The page reports a search whose hits the agent left without opening one: when a new
 * search starts or the page is left. in {q}. */
static int search_abandon(struct req *r)
{
	struct verrors v;
	json_t *in;
	const json_t *q;
	int err = 0;

	if (req_json_object(r, &in))
		return 0;
	valid_init(&v, r->lang[0] == 'e');
	v.status = 400; /* a bad q, as for the search itself */
	q = json_object_get(in, "q");
	if (!json_is_string(q) || json_string_length(q) == 0 || json_string_length(q) > 500)
		valid_add(&v, "q", "%s",
		          L(r, "Krävs: det som söktes, 1–500 tecken.",
		            "Required: what was searched for, 1–500 characters."));
	else if (json_object_size(in) != 1)
		valid_add(&v, "q", "%s", L(r, "Bara q tas emot.", "Only q is accepted."));
	if (!valid_has_errors(&v))
		err = kb_miss_record(r->app->db, json_string_value(q), KB_MISS_NO_CLICK, r->now);
	json_decref(in);
	if (valid_has_errors(&v))
		return resp_field_errors(r, &v);
	/* EINVAL (only spaces) and EPERM (personal data) are not errors: nothing is kept. */
	if (err && err != EINVAL && err != EPERM)
		return resp_store_error(r, err, "search");
	return resp_json(r, 200, json_pack("{s:b}", "recorded", err == 0));
}

static int notices(struct req *r)
{
	int64_t group;
	struct page pg;
	json_t *items;
	int err;

	if (req_query_int(r, "group_id", &group) || req_query_page(r, 100, 1000, &pg))
		return 0;
	err = kb_notices(r->app->db, &r->who, group, r->now, &items);
	if (err)
		return resp_store_error(r, err, "notice");
	return resp_list_slice(r, items, &pg);
}

static int review_due(struct req *r)
{
	struct page pg;
	json_t *items;
	int err;

	if (req_query_page(r, 100, 1000, &pg))
		return 0;
	err = kb_review_due(r->app->db, &r->who, r->now, &items);
	if (err)
		return resp_store_error(r, err, "article");
	return resp_list_slice(r, items, &pg);
}

static int missing_create(struct req *r)
{
	struct verrors v;
	json_t *in;
	int64_t id = 0;
	int err;

	if (req_json_object(r, &in))
		return 0;
	valid_init(&v, r->lang[0] == 'e');
	err = kb_missing_create(r->app->db, &r->who, in, r->now, &id, &v);
	json_decref(in);
	if (valid_has_errors(&v))
		return resp_field_errors(r, &v);
	if (err)
		return resp_store_error(r, err, "question");
	return resp_json(r, 201, json_pack("{s:I,s:s}", "id", (json_int_t)id, "status", "open"));
}

static int stats(struct req *r)
{
	int64_t from, to;
	json_t *o;
	int err;

	if (req_query_int(r, "from", &from) || req_query_int(r, "to", &to))
		return 0;
	err = kb_stats(r->app->db, &r->who, from, to, &o);
	if (err)
		return resp_store_error(r, err, "statistics");
	return resp_json(r, 200, o);
}

static int case_article(struct req *r)
{
	json_t *in, *a;
	int64_t article;
	int err;

	if (req_json_object(r, &in))
		return 0;
	a = json_object_get(in, "article_id");
	if (!json_is_integer(a) || json_integer_value(a) <= 0 || json_object_size(in) != 1) {
		json_decref(in);
		struct problem p;
		problem_init(&p);
		p.status = 422;
		valid_add(&p.errors, "article_id", "%s",
		          L(r,
		            "Krävs: id för artikeln som besvarade ärendet (och inga andra fält).",
		            "Required: the id of the article that answered the case (and no other "
		            "fields)."));
		return resp_problem(r, &p);
	}
	article = json_integer_value(a);
	json_decref(in);
	err = kb_case_link(r->app->db, &r->who, r->params[0], article, r->now);
	if (err == ENOENT)
		return resp_error(r, 404, "not-found", L(r, "Finns inte", "Not found"),
		                  L(r, "Ärende %lld eller artikel %lld finns inte.",
		                    "Case %lld or article %lld does not exist."),
		                  (long long)r->params[0], (long long)article);
	if (err == EPERM)
		return forbidden(r, "Ärendet är sekretessmarkerat för en annan grupp.",
		                 "The case is confidential to another group.");
	if (err)
		return resp_store_error(r, err, "case article");
	return resp_json(r, 201,
	                 json_pack("{s:I,s:I}", "case_id", (json_int_t)r->params[0], "article_id",
	                           (json_int_t)article));
}

/* ---- the municipality's own words ---- */

#define WORDS_DENIED_SV                                                                            \
	"Bara gruppledare, chefer, administratörer och artikelägare ändrar synonymer och sökord."
#define WORDS_DENIED_EN                                                                            \
	"Only group leads, managers, admins and article owners change synonyms and search words."

static int words_forbidden(struct req *r)
{
	return forbidden(r, WORDS_DENIED_SV, WORDS_DENIED_EN);
}

static int synonyms_list(struct req *r)
{
	struct page pg;
	json_t *items;
	int err;

	if (req_query_page(r, 100, 1000, &pg))
		return 0;
	err = kb_synonyms_list(r->app->db, pg.limit, pg.offset, &items, &pg.total);
	if (err)
		return resp_store_error(r, err, "synonym");
	return resp_list(r, items, &pg);
}

/* What a search for `text` now finds first, to show the change's effect. */
static json_t *effect(struct req *r, const char *text)
{
	struct kb_query q = {.text = text, .limit = 5, .who = &r->who, .now = r->now};
	json_t *hits = NULL, *out = json_array();
	size_t i;
	json_t *h;

	if (kb_search(r->app->db, &q, &hits) == 0)
		json_array_foreach(hits, i, h)
		{
			json_array_append_new(out, json_pack("{s:O,s:O,s:O}", "id",
			                                     json_object_get(h, "id"), "slug",
			                                     json_object_get(h, "slug"), "title",
			                                     json_object_get(h, "title")));
		}
	json_decref(hits);
	return out;
}

static int synonyms_create(struct req *r)
{
	struct verrors v;
	json_t *in;
	int64_t id = 0;
	int err;

	if (req_json_object(r, &in))
		return 0;
	valid_init(&v, r->lang[0] == 'e');
	err = kb_synonym_put(r->app->db, &r->who, in, r->now, &id, &v);
	if (valid_has_errors(&v)) {
		json_decref(in);
		return resp_field_errors(r, &v);
	}
	if (err) {
		json_decref(in);
		return err == EPERM ? words_forbidden(r) : resp_store_error(r, err, "synonym");
	}
	json_t *o = json_pack("{s:I,s:O,s:O}", "id", (json_int_t)id, "word",
	                      json_object_get(in, "word"), "means", json_object_get(in, "means"));
	json_object_set_new(o, "hits", effect(r, json_string_value(json_object_get(in, "word"))));
	json_decref(in);
	return resp_json(r, 201, o);
}

static int synonyms_delete(struct req *r)
{
	int err = kb_synonym_delete(r->app->db, &r->who, r->params[0]);

	if (err)
		return resp_domain(r, err,
		                   &(struct domain_ref){"synonym", "ingen synonym", "synonym",
		                                        r->params[0], WORDS_DENIED_SV,
		                                        WORDS_DENIED_EN},
		                   NULL);
	return resp_empty(r, 204);
}

static int keywords_list(struct req *r)
{
	struct page pg;
	json_t *items;
	int err;

	if (req_query_page(r, 100, 1000, &pg))
		return 0;
	err = kb_keywords_list(r->app->db, pg.limit, pg.offset, &items, &pg.total);
	if (err)
		return resp_store_error(r, err, "search word");
	return resp_list(r, items, &pg);
}

static int keywords_create(struct req *r)
{
	struct verrors v;
	json_t *in;
	int64_t id = 0;
	int err;

	if (req_json_object(r, &in))
		return 0;
	valid_init(&v, r->lang[0] == 'e');
	err = kb_keyword_create(r->app->db, &r->who, in, r->now, &id, &v);
	if (valid_has_errors(&v)) {
		json_decref(in);
		return resp_field_errors(r, &v);
	}
	if (err) {
		json_int_t art = json_integer_value(json_object_get(in, "article_id"));
		json_decref(in);
		if (err == ENOENT)
			return not_found(r, "artikel", "article", art);
		return err == EPERM ? edit_forbidden(r) : resp_store_error(r, err, "search word");
	}
	json_t *o = json_pack("{s:I,s:O,s:O}", "id", (json_int_t)id, "phrase",
	                      json_object_get(in, "phrase"), "article_id",
	                      json_object_get(in, "article_id"));
	json_object_set_new(o, "hits", effect(r, json_string_value(json_object_get(in, "phrase"))));
	json_decref(in);
	return resp_json(r, 201, o);
}

static int keywords_delete(struct req *r)
{
	int err = kb_keyword_delete(r->app->db, &r->who, r->params[0]);

	if (err)
		return resp_domain(r, err,
		                   &(struct domain_ref){"search word", "ingen sökord",
		                                        "search word", r->params[0], EDIT_DENIED_SV,
		                                        EDIT_DENIED_EN},
		                   NULL);
	return resp_empty(r, 204);
}

static int misses_connect(struct req *r)
{
	struct verrors v;
	json_t *in, *o = NULL;
	int err;

	if (req_json_object(r, &in))
		return 0;
	valid_init(&v, r->lang[0] == 'e');
	err = kb_miss_connect(r->app->db, &r->who, in, r->now, &o, &v);
	if (valid_has_errors(&v)) {
		json_decref(in);
		return resp_field_errors(r, &v);
	}
	if (err) {
		json_int_t art = json_integer_value(json_object_get(in, "article_id"));
		json_decref(in);
		if (err == ENOENT)
			return not_found(r, "artikel", "article", art);
		return err == EPERM ? words_forbidden(r) : resp_store_error(r, err, "search word");
	}
	json_object_set_new(o, "hits",
	                    effect(r, json_string_value(json_object_get(in, "question"))));
	json_decref(in);
	return resp_json(r, 201, o);
}

/* ---- read receipts of notices ---- */

static int read_confirm(struct req *r)
{
	int err = kb_read_confirm(r->app->db, &r->who, r->params[0], r->now);

	if (err)
		return resp_domain(r, err,
		                   &(struct domain_ref){"read receipt",
		                                        "ingen gällande driftinformation",
		                                        "current notice", r->params[0], NULL, NULL},
		                   NULL);
	return resp_json(r, 200,
	                 json_pack("{s:I,s:b}", "id", (json_int_t)r->params[0], "confirmed", 1));
}

static int reads_mine(struct req *r)
{
	struct page pg;
	json_t *ids;
	int err;

	if (req_query_page(r, 1000, 1000, &pg))
		return 0;
	err = kb_reads_mine(r->app->db, &r->who, r->now, &ids);
	if (err)
		return resp_store_error(r, err, "read receipt");
	return resp_list_slice(r, ids, &pg);
}

static int reads_missing(struct req *r)
{
	struct page pg;
	json_t *items;
	int err;

	if (req_query_page(r, 100, 1000, &pg))
		return 0;
	err = kb_reads_missing(r->app->db, &r->who, r->now, &items);
	if (err)
		return resp_store_error(r, err, "read receipt");
	return resp_list_slice(r, items, &pg);
}

const struct route api_kb_routes[] = {
        {"GET", "/api/v1/kb/articles", ROLES_ANY, articles_list},
        {"POST", "/api/v1/kb/articles", ROLES_EDITORS, articles_create},
        {"GET", "/api/v1/kb/articles/{id}", ROLES_ANY, articles_get},
        {"PATCH", "/api/v1/kb/articles/{id}", ROLES_EDITORS, articles_update},
        {"GET", "/api/v1/kb/articles/{id}/versions", ROLES_ANY, versions_list},
        {"GET", "/api/v1/kb/articles/{id}/diff", ROLES_ANY, versions_diff},
        {"POST", "/api/v1/kb/articles/{id}/flags", ROLES_STAFF, flags_create},
        {"GET", "/api/v1/kb/flags", ROLES_ANY, flags_list},
        {"PATCH", "/api/v1/kb/flags/{id}", ROLES_ANY, flags_close},
        {"GET", "/api/v1/kb/search", ROLES_ANY, search},
        {"POST", "/api/v1/kb/search/abandon", ROLES_ANY, search_abandon},
        {"GET", "/api/v1/kb/notices", ROLES_ANY, notices},
        {"GET", "/api/v1/kb/review-due", ROLES_EDITORS, review_due},
        {"POST", "/api/v1/kb/missing", ROLES_STAFF, missing_create},
        {"GET", "/api/v1/kb/stats", ROLES_LEADS, stats},
        {"POST", "/api/v1/cases/{id}/articles", ROLES_STAFF, case_article},
        {"GET", "/api/v1/kb/synonyms", ROLES_EDITORS, synonyms_list},
        {"POST", "/api/v1/kb/synonyms", ROLES_EDITORS, synonyms_create},
        {"DELETE", "/api/v1/kb/synonyms/{id}", ROLES_EDITORS, synonyms_delete},
        {"GET", "/api/v1/kb/keywords", ROLES_EDITORS, keywords_list},
        {"POST", "/api/v1/kb/keywords", ROLES_EDITORS, keywords_create},
        {"DELETE", "/api/v1/kb/keywords/{id}", ROLES_EDITORS, keywords_delete},
        {"POST", "/api/v1/kb/missing/connect", ROLES_EDITORS, misses_connect},
        {"POST", "/api/v1/kb/articles/{id}/read", ROLES_STAFF, read_confirm},
        {"GET", "/api/v1/kb/reads/mine", ROLES_STAFF, reads_mine},
        {"GET", "/api/v1/kb/reads", ROLES_LEADS, reads_missing},
        {NULL, NULL, 0, NULL},
};
