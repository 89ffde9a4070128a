/* The figures of the day on the desks: an agent's own (/me/today) and a group's cases
 * (/cases/counts) for the lead view. */
#include <errno.h>
#include <string.h>

#include "acdhost/acd_host.h"
#include "acdhost/acd_store.h"
#include "base/calendar.h"
#include "core/audit.h"
#include "core/cases.h"
#include "core/directory.h"
#include "http/http_int.h"

static const char *const outcomes[] = {"resolved", "guided", "handed_over", "forwarded_urgent",
                                       NULL};
static const char *const channels[] = {"phone", "email", "letter", "fax",
                                       "visit", "web",   "social", NULL};

/* [from, to) of today in Stockholm, epoch seconds. */
static void today_span(int64_t now, int64_t *from, int64_t *to)
{
	struct local_time lt;

	calendar_local_from_utc(now, &lt);
	if (calendar_local_to_utc(&lt.date, 0, 0, from) != 0)
		*from = now - now % 86400;
	/* 24 hours ahead is enough: the DST days end at most an hour off, after closing. */
	*to = *from + 24 * 3600;
}

static json_t *iso(int64_t t)
{
	char buf[32];

	calendar_format_iso8601(t, buf);
	return json_string(buf);
}

static json_t *zeros(const char *const *keys)
{
	json_t *o = json_object();

	for (const char *const *k = keys; *k; k++)
		json_object_set_new(o, *k, json_integer(0));
	return o;
}

/* The counts per outcome go into the object's preset keys (case_count_logged). */
struct outcome_count {
	json_t *into;
	int64_t total;
};

static int outcome_count_h(const char *outcome, const char *channel, bool threat, int64_t n,
                           void *arg)
{
	struct outcome_count *c = arg;

	(void)channel;
	(void)threat;
	if (json_object_get(c->into, outcome))
		json_object_set_new(c->into, outcome, json_integer(n));
	c->total += n;
	return 0;
}

/* Adds n to a key the object already has (one of its zeros). */
static void add_count(json_t *o, const char *k, int64_t n)
{
	json_t *v = json_object_get(o, k);

	if (v)
		json_integer_set(v, json_integer_value(v) + n);
}

static double secs(int64_t ms)
{
	return (double)(ms / 100) / 10.0; /* one decimal */
}

/* ======================================================================
 * GET /api/v1/me/today
 * ====================================================================== */

static int me_today(struct req *r)
{
	struct outcome_count c = {zeros(outcomes), 0};
	struct acd_agent_sums t;
	int64_t from, to;
	json_t *o;
	int err;

	today_span(r->now, &from, &to);
	/* The cases this user logged today, whenever the contact arrived (a letter of
	 * yesterday logged this morning counts today). */
	err = case_count_logged(r->app->db, r->who.id, from, to, outcome_count_h, &c);
	/* The queue's figures: the rollups are brought up to this moment first. */
	if (!err && r->app->acd)
		err = acd_host_store_rollups(r->app->acd, acd_now_ms());
	if (!err)
		err = acd_store_agent_sums(r->app->db, r->who.id, from * 1000, to * 1000, &t);
	if (err) {
		json_decref(c.into);
		return resp_store_error(r, err, "figures");
	}
	json_object_set_new(c.into, "total", json_integer(c.total));
	o = json_pack("{s:o,s:{s:I,s:o},s:{s:f,s:f,s:f,s:f,s:f},s:I,s:o,s:o}", "cases", c.into,
	              "calls", "answered", (json_int_t)t.answered, "aht_s",
	              t.answered ? json_real(secs((t.talk_ms + t.wrapup_ms) / t.answered))
	                         : json_null(),
	              "time", "logged_in_s", secs(t.logged_in_ms), "ready_s", secs(t.ready_ms),
	              "paused_s", secs(t.paused_ms), "talk_s", secs(t.talk_ms), "wrapup_s",
	              secs(t.wrapup_ms), "no_answers", (json_int_t)t.no_answers, "from", iso(from),
	              "at", iso(r->now));
	return resp_json(r, 200, o);
}

/* ======================================================================
 * GET /api/v1/cases/counts
 * ====================================================================== */

/* A time in the query: a date (Stockholm midnight) or ISO 8601; seconds. */
static int query_time_s(struct req *r, const char *key, int64_t *out)
{
	int64_t ms = *out * 1000;
	int err = req_query_time_ms(r, key, &ms);

	*out = ms / 1000;
	return err;
}

/* The day's cases by outcome, channel and threat flag (case_count_received). */
struct day_count {
	json_t *by_outcome, *by_channel;
	int64_t total, threat;
};

static int day_count_h(const char *outcome, const char *channel, bool threat, int64_t n, void *arg)
{
	struct day_count *c = arg;

	add_count(c->by_outcome, outcome, n);
	add_count(c->by_channel, channel, n);
	if (threat)
		c->threat += n;
	c->total += n;
	return 0;
}

static int cases_counts(struct req *r)
{
	int64_t group = 0, from, to, total, fcr = 0, threat;
	struct day_count c = {NULL, NULL, 0, 0};
	json_t *by_outcome, *by_channel, *o;
	int err;

	today_span(r->now, &from, &to);
	if (req_query_int(r, "group_id", &group) || query_time_s(r, "from", &from) ||
	    query_time_s(r, "to", &to))
		return 0;
	if (to <= from)
		return resp_error(r, 400, "bad-query", L(r, "Felaktig parameter", "Bad parameter"),
		                  "%s", L(r, "to ska vara efter from.", "to must be after from."));
	by_outcome = zeros(outcomes);
	by_channel = zeros(channels);
	/* Counts only: no case is shown, so confidential ones are counted too. One pass over
	 * the day's cases, by outcome, channel and threat flag. */
	c.by_outcome = by_outcome;
	c.by_channel = by_channel;
	err = case_count_received(r->app->db, group, from, to, day_count_h, &c);
	total = c.total;
	threat = c.threat;
	if (err) {
		json_decref(by_outcome);
		json_decref(by_channel);
		return resp_store_error(r, err, "case");
	}
	fcr = json_integer_value(json_object_get(by_outcome, "resolved"));
	o = json_pack("{s:I,s:o,s:o,s:I,s:o,s:o,s:I}", "group_id", (json_int_t)group, "from",
	              iso(from), "to", iso(to), "total", (json_int_t)total, "outcomes", by_outcome,
	              "channels", by_channel, "threat", (json_int_t)threat);
	/* First-contact resolution both ways (docs/statistics.md): resolved, and resolved or
	 * guided. */
	json_object_set_new(o, "fcr", total ? json_real((double)fcr / (double)total) : json_null());
	json_object_set_new(o, "fcr_with_guided",
	                    total ? json_real((double)(fcr + json_integer_value(json_object_get(
	                                                             by_outcome, "guided"))) /
	                                      (double)total)
	                          : json_null());
	return resp_json(r, 200, o);
}

/* ======================================================================
 * The switchboard's directory: GET /api/v1/directory?q=, PUT /api/v1/directory/me/presence
 * ====================================================================== */

static int directory_get(struct req *r)
{
	const char *q = req_query(r, "q");
	struct page pg;
	json_t *items = NULL;
	int err;

	if (!q || !*q || strlen(q) > 200)
		return req_query_bad(r, "q", "%s", "1–200 tecken / 1–200 characters");
	if (req_query_page(r, 20, 100, &pg))
		return 0;
	err = directory_search(r->app->db, q, pg.limit, pg.offset, &items, &pg.total);
	if (err == EINVAL)
		return req_query_bad(
		        r, "q", "%s",
		        "minst en bokstav eller siffra / at least one letter or digit");
	if (err)
		return resp_store_error(r, err, "directory");
	return resp_list(r, items, &pg);
}

static int presence_set(struct req *r, int64_t user_id)
{
	json_t *in, *st, *until;
	int64_t until_s = 0;
	struct problem p;
	int err;

	if (req_json_object(r, &in))
		return 0;
	problem_init(&p);
	st = json_object_get(in, "status");
	until = json_object_get(in, "until");
	if (!json_is_string(st) || (strcmp(json_string_value(st), "in") != 0 &&
	                            strcmp(json_string_value(st), "away") != 0 &&
	                            strcmp(json_string_value(st), "meeting") != 0))
		valid_add(&p.errors, "status", "%s",
		          "in, away eller meeting / in, away or meeting");
	if (until && !json_is_null(until) &&
	    (!json_is_string(until) ||
	     calendar_parse_iso8601(json_string_value(until), &until_s) != 0))
		valid_add(&p.errors, "until", "%s", "ISO 8601");
	if (valid_has_errors(&p.errors)) {
		json_decref(in);
		p.status = 422;
		p.type = "validation";
		p.title = "Ogiltiga uppgifter";
		return resp_problem(r, &p);
	}
	err = directory_set_presence(r->app->db, user_id, json_string_value(st), until_s, r->now);
	json_decref(in);
	valid_free(&p.errors);
	if (err)
		return resp_store_error(r, err, "presence");
	if (user_id != r->who.id)
		audit_record(r->app->db, r->now, r->who.id, "presence", "users", user_id, NULL);
	return resp_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

static int presence_put(struct req *r)
{
	return presence_set(r, r->who.id);
}

/* PUT /api/v1/directory/staff/{id}/presence: a lead for the members of their groups. The
 * id is checked before the body, so an unknown one is 404 whatever was sent. */
static int presence_put_staff(struct req *r)
{
	int err = directory_presence_allowed(r->app->db, &r->who, r->params[0]);

	if (err == ENOENT)
		return resp_error(
		        r, 404, "not-found", L(r, "Finns inte", "Not found"),
		        L(r, "Medarbetare %lld finns inte.", "Staff member %lld does not exist."),
		        (long long)r->params[0]);
	if (err == EPERM)
		return resp_error(
		        r, 403, "forbidden", L(r, "Ej behörig", "Forbidden"), "%s",
		        L(r, "Du får ange närvaro för dig själv och för medlemmar i dina grupper.",
		          "You may set the presence of yourself and of members of your groups."));
	if (err)
		return resp_store_error(r, err, "presence");
	return presence_set(r, r->params[0]);
}

const struct route api_desk_routes[] = {
        {"GET", "/api/v1/directory", ROLES_STAFF, directory_get},
        {"PUT", "/api/v1/directory/me/presence", ROLES_STAFF, presence_put},
        {"PUT", "/api/v1/directory/staff/{id}/presence", ROLES_STAFF, presence_put_staff},
        {"GET", "/api/v1/me/today", ROLES_STAFF, me_today},
        {"GET", "/api/v1/cases/counts", ROLES_LEADS, cases_counts},
        {NULL, NULL, 0, NULL},
};
