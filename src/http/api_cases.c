/* /api/v1/cases, handovers, citizens, notifications and the audit log. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "base/calendar.h"
#include "core/cases.h"
#include "base/contact.h"
#include "core/personnummer.h"
#include "core/retention.h"
#include "http/http_int.h"

/* A case as resp_domain names it. */
static struct domain_ref case_ref(int64_t id)
{
	return (struct domain_ref){"case", "inget ärende", "case", id, NULL, NULL};
}

int api_case_response(struct req *r, int64_t id, unsigned status)
{
	char etag[32];
	json_t *o;
	int err = status == 201 ? case_get_created(r->app->db, &r->who, id, r->now, &o)
	                        : case_get(r->app->db, &r->who, id, r->now, &o);

	struct domain_ref ref = case_ref(id);

	ref.denied_sv = "Ärendet är sekretessmarkerat eller hör till en annan förvaltning.";
	ref.denied_en = "The case is confidential or belongs to another department.";
	if (err)
		return resp_domain(r, err, &ref, NULL);
	req_etag_format(json_integer_value(json_object_get(o, "version")), etag);
	err = resp_json(r, status, o);
	if (!err)
		resp_header(r, "ETag", etag);
	return err;
}

static int cases_create(struct req *r)
{
	struct verrors v;
	json_t *in;
	int64_t id = 0;
	int err;

	if (req_json_object(r, &in))
		return 0;
	valid_init(&v, r->lang[0] == 'e');
	err = case_create(r->app->db, &r->who, in, r->now, &id, &v);
	json_decref(in);
	if (valid_has_errors(&v))
		return resp_field_errors(r, &v);
	if (err)
		return resp_store_error(r, err, "case");
	return api_case_response(r, id, 201);
}

static int cases_get(struct req *r)
{
	return api_case_response(r, r->params[0], 200);
}

static int cases_update(struct req *r)
{
	struct verrors v;
	json_t *in;
	int err;

	if (req_json_object(r, &in))
		return 0;
	if (req_if_match_case(r, r->params[0])) {
		json_decref(in);
		return 0;
	}
	valid_init(&v, r->lang[0] == 'e');
	err = case_update(r->app->db, &r->who, r->params[0], in, r->now, &v);
	json_decref(in);
	if (err || valid_has_errors(&v)) {
		struct domain_ref ref = case_ref(r->params[0]);
		return resp_domain(r, err, &ref, &v);
	}
	return api_case_response(r, r->params[0], 200);
}

static int cases_handover(struct req *r)
{
	struct verrors v;
	json_t *in;
	int64_t hid = 0;
	int err;

	if (req_json_object(r, &in))
		return 0;
	valid_init(&v, r->lang[0] == 'e');
	err = case_handover(r->app->db, &r->who, r->params[0], in, r->now, &hid, &v);
	json_decref(in);
	if (err || valid_has_errors(&v)) {
		struct domain_ref ref = case_ref(r->params[0]);
		return resp_domain(r, err, &ref, &v);
	}
	return api_case_response(r, r->params[0], 201);
}

/* An optional query value that must be one of `ok` (the 400 names the choices). */
static int query_one_of(struct req *r, const char *key, const char *const *ok, const char **out)
{
	const char *s = req_query(r, key);
	char list[200];
	size_t n = 0;

	*out = s;
	if (!s)
		return 0;
	for (size_t i = 0; ok[i]; i++) {
		if (strcmp(s, ok[i]) == 0)
			return 0;
		if (n < sizeof(list))
			n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "",
			                      ok[i]);
	}
	return req_query_bad(r, key, L(r, "måste vara en av: %s", "must be one of: %s"), list);
}

static const char *const bools[] = {"true", "false", NULL};
/* The values a case holds (core/cases.c checks them on write): any other matches none. */
/* "none": cases that came in without an agent and are not yet handled (outcome unset). */
static const char *const outcomes[] = {"resolved",         "guided", "handed_over",
                                       "forwarded_urgent", "none",   NULL};
static const char *const channels[] = {"phone", "email", "letter", "fax",
                                       "visit", "web",   "social", NULL};
static const char *const statuses[] = {
        "open", "waiting_for_department", "waiting_for_citizen", "closed", "active", NULL};
static const char *const handover_statuses[] = {"open",   "question",  "answered", "taken_over",
                                                "closed", "withdrawn", NULL};

/* Case times are seconds. */
static int query_time_s(struct req *r, const char *key, int64_t *out)
{
	int64_t ms = *out * 1000;
	int err = req_query_time_ms(r, key, &ms);

	*out = ms / 1000;
	return err;
}

/* ---- reads off the loop ----
 * A search or list runs on a read worker with its own read-only connection; the handler
 * copies what the read needs (the query's values, the principal, the time) into a job,
 * and the answer, with the audit rows the read leaves, is given on the loop. */

/* A copy of an optional query value that outlives the request's own (NULL stays NULL). */
static int dup_opt(const char *s, char **out)
{
	*out = NULL;
	if (!s)
		return 0;
	*out = strdup(s);
	return *out ? 0 : ENOMEM;
}

/* The answer to a failed defer: 503 when the read workers are all taken. */
static int defer_failed(struct req *r, int err, const char *what)
{
	if (err == EBUSY)
		return req_read_busy(r);
	return resp_store_error(r, err, what);
}

/* The list envelope plus total_exact (false: more than CASE_COUNT_MAX match, total says
 * CASE_COUNT_MAX) and next, the cursor after the page's last case (null after a short
 * page). Takes `items`; touches no request, so a read worker can build it. */
static json_t *cases_search_body(json_t *items, const struct page *pg)
{
	size_t n = json_array_size(items);
	bool exact = pg->total <= CASE_COUNT_MAX;
	json_t *o, *last = n ? json_array_get(items, n - 1) : NULL;
	char cursor[CASE_CURSOR_MAX];
	int64_t at = 0;

	o = json_pack("{s:o,s:I,s:b,s:I,s:I}", "items", items, "total",
	              (json_int_t)(exact ? pg->total : CASE_COUNT_MAX), "total_exact", exact,
	              "limit", (json_int_t)pg->limit, "offset", (json_int_t)pg->offset);
	if (!o)
		return NULL;
	if (last && (int64_t)n == pg->limit &&
	    calendar_parse_iso8601(json_string_value(json_object_get(last, "received_at")), &at) ==
	            0 &&
	    case_cursor_encode(at, json_integer_value(json_object_get(last, "id")), cursor) == 0)
		json_object_set_new(o, "next", json_string(cursor));
	else
		json_object_set_new(o, "next", json_null());
	return o;
}

/* A search that could not be made: no word to search for, or too much work (EAGAIN, not
 * done in time on a busy server, is resp_store_error's 503). */
static int search_error(struct req *r, int err)
{
	if (err == EBADMSG)
		return req_query_bad(r, "q", "%s",
		                     L(r,
		                       "inget ord att söka på: ange minst ett ord med två tecken "
		                       "eller fler (vanliga småord som \"och\" söks inte)",
		                       "no word to search for: give at least one word of two "
		                       "characters or more (common words such as \"och\" are "
		                       "not searched)"));
	if (err == ETIMEDOUT)
		return resp_error(r, 400, "search-too-broad",
		                  L(r, "För bred sökning", "Search too broad"), "%s",
		                  L(r,
		                    "Sökningen tog för lång tid. Begränsa den med fler eller "
		                    "längre ord, en grupp, en kategori eller ett datumintervall.",
		                    "The search took too long. Narrow it with more or longer "
		                    "words, a group, a category or a date range."));
	return resp_store_error(r, err, "case");
}

struct search_job {
	struct case_query q; /* its strings point into the job */
	struct principal who;
	int64_t now;
	struct page pg;
	char *text, *outcome, *channel, *status; /* copies of the query values (owned) */
	char pnr[13], phone[32];
	json_t *items; /* the read's page (owned until answered) */
	char *body;    /* or the whole answer, serialized by the read worker (owned) */
	int err;       /* the read's result */
};

static void search_job_free(struct search_job *j)
{
	if (!j)
		return;
	free(j->text);
	free(j->outcome);
	free(j->channel);
	free(j->status);
	json_decref(j->items);
	free(j->body);
	free(j);
}

static void search_read_h(struct db *db, void *arg)
{
	struct search_job *j = arg;

	json_t *o;

	j->err = case_search(db, &j->who, &j->q, j->now, &j->items, &j->pg.total);
	if (j->err)
		return;
	/* The answer's JSON is made here, not on the loop: a page of 50 cases was most of the
	 * loop's time per search (docs/benchmarks.md). Without it the loop makes it. */
	o = cases_search_body(j->items, &j->pg);
	j->items = NULL;
	j->body = o ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
	json_decref(o);
}

static void search_answer_h(struct req *r, void *arg)
{
	struct search_job *j = arg;

	if (j->err) {
		search_error(r, j->err);
	} else {
		/* The audit row joins the turn's group commit; the answer is held until that
		 * commit is on disk (req_defer_read), so no answer leaves without its row. */
		case_search_audit(r->app->db, &j->who, &j->q, j->now);
		if (j->body)
			resp_text(r, 200, "application/json; charset=utf-8", j->body,
			          strlen(j->body));
		else
			resp_store_error(r, ENOMEM, "case");
	}
	search_job_free(j);
}

/* Runs q for r off the loop; the strings q points to are copied. */
static int search_defer(struct req *r, const struct case_query *q, struct page *pg)
{
	struct search_job *j = calloc(1, sizeof(*j));
	int err;

	if (!j)
		return resp_store_error(r, ENOMEM, "case");
	j->q = *q;
	j->who = r->who;
	j->now = r->now;
	j->pg = *pg;
	err = dup_opt(q->text, &j->text);
	if (!err)
		err = dup_opt(q->outcome, &j->outcome);
	if (!err)
		err = dup_opt(q->channel, &j->channel);
	if (!err)
		err = dup_opt(q->status, &j->status);
	if (err) {
		search_job_free(j);
		return resp_store_error(r, err, "case");
	}
	j->q.text = j->text;
	j->q.outcome = j->outcome;
	j->q.channel = j->channel;
	j->q.status = j->status;
	if (q->personal_id) {
		snprintf(j->pnr, sizeof(j->pnr), "%s", q->personal_id);
		j->q.personal_id = j->pnr;
	}
	if (q->phone) {
		snprintf(j->phone, sizeof(j->phone), "%s", q->phone);
		j->q.phone = j->phone;
	}
	err = req_defer_read(r, search_read_h, search_answer_h, j);
	if (err) {
		search_job_free(j);
		return defer_failed(r, err, "case");
	}
	return 0;
}

static int cases_search(struct req *r)
{
	struct case_query q = {0};
	struct page pg;
	char pnr[13], phone[32];

	if (req_query_int(r, "group_id", &q.group_id) ||
	    req_query_int(r, "client_id", &q.client_id) ||
	    req_query_int(r, "category_id", &q.category_id) ||
	    req_query_int(r, "citizen_id", &q.citizen_id) ||
	    req_query_int(r, "agent_id", &q.agent_id) ||
	    req_query_int(r, "client_unit_id", &q.client_unit_id) ||
	    query_time_s(r, "from", &q.from) || query_time_s(r, "to", &q.to) ||
	    req_query_page(r, 50, 500, &pg))
		return 0;
	q.limit = pg.limit;
	q.offset = pg.offset;
	/* Skipping rows costs as much as reading them: deep pages go by the cursor. */
	if (q.offset > CASE_OFFSET_MAX)
		return req_query_bad(r, "offset",
		                     L(r,
		                       "högst %d; bläddra vidare med after= (värdet next i svaret)",
		                       "at most %d; page further with after= (the answer's next)"),
		                     CASE_OFFSET_MAX);
	if (req_query(r, "after") &&
	    case_cursor_decode(req_query(r, "after"), &q.after_at, &q.after_id) != 0)
		return req_query_bad(r, "after", "%s",
		                     L(r, "ingen markör från ett tidigare svar (next)",
		                       "not a cursor from an earlier answer (next)"));
	if (query_one_of(r, "outcome", outcomes, &q.outcome) ||
	    query_one_of(r, "channel", channels, &q.channel) ||
	    query_one_of(r, "status", statuses, &q.status))
		return 0;
	q.text = req_query(r, "q");
	if (q.text && !q.text[0])
		q.text = NULL;
	if (req_query(r, "phone")) {
		/* Stored phones are E.164 (contact_phone_normalize); the query is read the same
		 * way, so "070-030 54 22", "0700305422" and "+46700305422" find the same citizen.
		 */
		if (contact_phone_normalize(req_query(r, "phone"), phone, sizeof(phone)) != 0)
			return resp_error(r, 400, "bad-query",
			                  L(r, "Felaktig parameter", "Bad parameter"), "%s",
			                  L(r,
			                    "phone: inget telefonnummer (t.ex. 070-123 45 67 eller "
			                    "+46701234567).",
			                    "phone: not a phone number (e.g. 070-123 45 67 or "
			                    "+46701234567)."));
		q.phone = phone;
	}
	if (req_query(r, "threat")) {
		const char *th = req_query(r, "threat");
		if (strcmp(th, "true") != 0 && strcmp(th, "false") != 0)
			return resp_error(r, 400, "bad-query",
			                  L(r, "Felaktig parameter", "Bad parameter"), "%s",
			                  L(r, "threat ska vara true eller false.",
			                    "threat must be true or false."));
		q.threat = strcmp(th, "true") == 0;
	}
	if (req_query(r, "personal_id")) {
		enum pnr_error why;
		struct local_time lt;
		calendar_local_from_utc(r->now, &lt);
		if (pnr_parse(req_query(r, "personal_id"), &lt.date, pnr, &why) != 0)
			return resp_error(r, 400, "bad-query",
			                  L(r, "Felaktig parameter", "Bad parameter"),
			                  "personal_id: %s", pnr_error_text(why, r->lang));
		q.personal_id = pnr;
	}
	return search_defer(r, &q, &pg);
}

/* A hidden citizen answers as one that does not exist: walking the ids tells nothing about
 * who has contacted the center (the refusal is in the audit log). */
static int citizen_get(struct req *r)
{
	const struct domain_ref citizen_ref = {
	        "citizen", "inget medborgare", "citizen", r->params[0], NULL, NULL};
	json_t *o;
	int err = case_citizen_get(r->app->db, &r->who, r->params[0], r->now, &o);

	if (err)
		return resp_domain(r, err == EPERM ? ENOENT : err, &citizen_ref, NULL);
	return resp_json(r, 200, o);
}

static int citizen_cases(struct req *r)
{
	const struct domain_ref citizen_ref = {
	        "citizen", "inget medborgare", "citizen", r->params[0], NULL, NULL};
	struct page pg;
	json_t *items;
	int err;

	if (req_query_page(r, 200, 500, &pg))
		return 0;
	err = case_citizen_cases(r->app->db, &r->who, r->params[0], r->now, pg.limit, pg.offset,
	                         &items, &pg.total);
	if (err == ENOENT || err == EPERM)
		return resp_domain(r, ENOENT, &citizen_ref, NULL);
	if (err)
		return resp_store_error(r, err, "case");
	return resp_list(r, items, &pg);
}

struct handover_job {
	struct handover_query q;
	struct principal who;
	int64_t now;
	struct page pg;
	json_t *items; /* the read's page (owned until answered) */
	char *body;    /* or the whole answer, serialized by the read worker (owned) */
	int err;       /* the read's result */
};

static void handover_read_h(struct db *db, void *arg)
{
	struct handover_job *j = arg;

	j->err = handover_list(db, &j->who, &j->q, j->now, &j->items, &j->pg.total);
}

static void handover_answer_h(struct req *r, void *arg)
{
	struct handover_job *j = arg;

	if (j->err)
		resp_store_error(r, j->err, "handover");
	else
		resp_list(r, j->items, &j->pg);
	free(j);
}

static int handovers_list(struct req *r)
{
	struct handover_query q = {0};
	struct handover_job *j;
	struct page pg;
	const char *overdue, *open;
	int err;

	if (req_query_int(r, "client_id", &q.client_id) ||
	    req_query_int(r, "group_id", &q.group_id) ||
	    req_query_int(r, "client_unit_id", &q.client_unit_id) ||
	    query_one_of(r, "overdue", bools, &overdue) || query_one_of(r, "open", bools, &open) ||
	    query_one_of(r, "status", handover_statuses, &q.status) ||
	    req_query_page(r, 100, 1000, &pg))
		return 0;
	/* The job outlives nothing of the request: the status as one of the fixed strings. */
	for (size_t i = 0; q.status && handover_statuses[i]; i++)
		if (strcmp(q.status, handover_statuses[i]) == 0)
			q.status = handover_statuses[i];
	q.overdue = overdue && strcmp(overdue, "true") == 0;
	q.open_only = open && strcmp(open, "true") == 0;
	q.limit = pg.limit;
	q.offset = pg.offset;
	j = calloc(1, sizeof(*j));
	if (!j)
		return resp_store_error(r, ENOMEM, "handover");
	j->q = q;
	j->who = r->who;
	j->now = r->now;
	j->pg = pg;
	err = req_defer_read(r, handover_read_h, handover_answer_h, j);
	if (err) {
		free(j);
		return defer_failed(r, err, "handover");
	}
	return 0;
}

static int notifications_list(struct req *r)
{
	struct page pg;
	json_t *arr;
	int err;

	if (req_query_page(r, 100, 1000, &pg))
		return 0;
	err = notification_list(r->app->db, r->who.id, pg.limit, pg.offset, &arr, &pg.total);
	if (err)
		return resp_store_error(r, err, "notification");
	return resp_list(r, arr, &pg);
}

static int notifications_read(struct req *r)
{
	int err = notification_read(r->app->db, r->who.id, r->params[0], r->now);

	if (err)
		return resp_domain(r, err,
		                   &(struct domain_ref){"notification", "inget meddelande",
		                                        "notification", r->params[0], NULL, NULL},
		                   NULL);
	return resp_empty(r, 204);
}

struct audit_job {
	int64_t user, entity_id;
	char *entity; /* copy of the query value (owned), or NULL */
	struct page pg;
	json_t *items; /* the read's page (owned until answered) */
	char *body;    /* or the whole answer, serialized by the read worker (owned) */
	int err;       /* the read's result */
};

static void audit_read_h(struct db *db, void *arg)
{
	struct audit_job *j = arg;
	struct audit_query q = {j->user, j->entity, j->entity_id, j->pg.limit, j->pg.offset};

	j->items = NULL;
	j->err = audit_list(db, &q, &j->items, &j->pg.total);
}

static void audit_answer_h(struct req *r, void *arg)
{
	struct audit_job *j = arg;

	if (j->err)
		resp_store_error(r, j->err, "audit");
	else
		resp_list(r, j->items, &j->pg);
	free(j->entity);
	free(j);
}

static int audit_log_list(struct req *r)
{
	struct audit_job *j;
	struct page pg;
	int64_t user = 0, entity_id = 0;
	int err;

	if (req_query_int(r, "user_id", &user) || req_query_int(r, "entity_id", &entity_id) ||
	    req_query_page(r, 200, 1000, &pg))
		return 0;
	j = calloc(1, sizeof(*j));
	if (!j)
		return resp_store_error(r, ENOMEM, "audit");
	j->user = user;
	j->entity_id = entity_id;
	j->pg = pg;
	err = dup_opt(req_query(r, "entity"), &j->entity);
	if (!err)
		err = req_defer_read(r, audit_read_h, audit_answer_h, j);
	if (err) {
		free(j->entity);
		free(j);
		return defer_failed(r, err, "audit");
	}
	return 0;
}

struct export_job {
	struct principal who;
	int64_t id, now;
	json_t *doc; /* the read's document (owned until answered) */
	int err;     /* the read's result */
};

static void export_read_h(struct db *db, void *arg)
{
	struct export_job *j = arg;

	j->err = citizen_export(db, &j->who, j->id, j->now, &j->doc);
}

/* The export is audited on the loop once it is made, before it is answered. */
static void export_answer_h(struct req *r, void *arg)
{
	struct export_job *j = arg;
	const struct domain_ref citizen_ref = {
	        "citizen", "inget medborgare", "citizen", j->id, NULL, NULL};
	int err = j->err;

	if (!err)
		err = citizen_export_audit(r->app->db, &j->who, j->id, r->now,
		                           "registerutdrag json");
	if (err == ENOENT || err == EPERM)
		resp_domain(r, err, &citizen_ref, NULL);
	else if (err)
		resp_store_error(r, err, "citizen");
	else {
		resp_json(r, 200, j->doc);
		j->doc = NULL;
	}
	json_decref(j->doc);
	free(j);
}

/* GET /api/v1/citizens/{id}/export: the registerutdrag (managers, admins). */
static int citizen_export_get(struct req *r)
{
	struct export_job *j = calloc(1, sizeof(*j));
	int err;

	if (!j)
		return resp_store_error(r, ENOMEM, "citizen");
	j->who = r->who;
	j->id = r->params[0];
	j->now = r->now;
	err = req_defer_read(r, export_read_h, export_answer_h, j);
	if (err) {
		free(j);
		return defer_failed(r, err, "citizen");
	}
	return 0;
}

const struct route api_case_routes[] = {
        {"POST", "/api/v1/cases", ROLES_STAFF, cases_create},
        {"GET", "/api/v1/cases", ROLES_ANY, cases_search},
        {"GET", "/api/v1/cases/{id}", ROLES_ANY, cases_get},
        {"PATCH", "/api/v1/cases/{id}", ROLES_STAFF, cases_update},
        {"POST", "/api/v1/cases/{id}/handovers", ROLES_STAFF, cases_handover},
        {"GET", "/api/v1/handovers", ROLES_ANY, handovers_list},
        {"POST", "/api/v1/handovers/{id}/answer", ROLES_ANY, api_handover_answer},
        {"GET", "/api/v1/citizens/{id}", ROLES_STAFF, citizen_get},
        {"GET", "/api/v1/citizens/{id}/cases", ROLES_STAFF, citizen_cases},
        {"GET", "/api/v1/citizens/{id}/export", ROLE_ADMIN | ROLE_MANAGER, citizen_export_get},
        {"GET", "/api/v1/notifications", ROLES_ANY, notifications_list},
        {"POST", "/api/v1/notifications/{id}/read", ROLES_ANY, notifications_read},
        {"GET", "/api/v1/audit", ROLE_ADMIN | ROLE_MANAGER, audit_log_list},
        {NULL, NULL, 0, NULL},
};
