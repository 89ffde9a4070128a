/* The figures of the day on the desks: an agent's own (/me/today) and a group's cases
 * (/cases/counts) for the lead view. */
#include <errno.h>
#include <string.h>

#include "acdhost/acd_host.h"
#include "base/calendar.h"
#include "http/http_int.h"
#include "store/db.h"

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

/* Step `s` (rows of key, count) into `into`, whose keys are preset; s is finished. */
static int count_into(struct stmt *s, json_t *into, int64_t *total)
{
	int rc;

	while ((rc = stmt_step(s)) == DB_ROW) {
		const char *k = stmt_text(s, 0);
		int64_t n = stmt_int(s, 1);
		if (json_object_get(into, k))
			json_object_set_new(into, k, json_integer(n));
		if (total)
			*total += n;
	}
	stmt_done(s);
	return rc == DB_DONE ? 0 : EIO;
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
	int64_t from, to, total = 0, answered = 0, t[6] = {0};
	json_t *cases = zeros(outcomes), *o;
	struct stmt *s;
	int err;

	today_span(r->now, &from, &to);
	/* The cases this user logged today, whenever the contact arrived (a letter of
	 * yesterday logged this morning counts today). */
	err = db_prepare(
	        r->app->db, &s,
	        "SELECT outcome, COUNT(*) FROM cases WHERE agent_id = ? AND created_at >= ?"
	        " AND created_at < ? GROUP BY outcome",
	        true);
	if (!err) {
		stmt_bind_int(s, 1, r->who.id);
		stmt_bind_int(s, 2, from);
		stmt_bind_int(s, 3, to);
		err = count_into(s, cases, &total);
	}
	/* The queue's figures: the rollups are brought up to this moment first. */
	if (!err && r->app->acd)
		err = acd_host_store_rollups(r->app->acd, acd_now_ms());
	if (!err)
		err = db_prepare(r->app->db, &s,
		                 "SELECT COUNT(*) FROM acd_events WHERE agent_id = ? AND"
		                 " kind = 'call_answered' AND t_ms >= ? AND t_ms < ?",
		                 true);
	if (!err) {
		stmt_bind_int(s, 1, r->who.id);
		stmt_bind_int(s, 2, from * 1000);
		stmt_bind_int(s, 3, to * 1000);
		if (stmt_step(s) == DB_ROW)
			answered = stmt_int(s, 0);
		stmt_done(s);
		err = db_prepare(r->app->db, &s,
		                 "SELECT COALESCE(SUM(logged_in_ms),0), COALESCE(SUM(ready_ms),0),"
		                 " COALESCE(SUM(paused_ms),0), COALESCE(SUM(talk_ms),0),"
		                 " COALESCE(SUM(wrapup_ms),0), COALESCE(SUM(no_answers),0)"
		                 " FROM acd_agent_intervals WHERE agent_id = ? AND start_ms >= ?"
		                 " AND start_ms < ?",
		                 true);
	}
	if (!err) {
		stmt_bind_int(s, 1, r->who.id);
		stmt_bind_int(s, 2, from * 1000);
		stmt_bind_int(s, 3, to * 1000);
		if (stmt_step(s) == DB_ROW)
			for (int i = 0; i < 6; i++)
				t[i] = stmt_int(s, i);
		stmt_done(s);
	}
	if (err) {
		json_decref(cases);
		return resp_store_error(r, err, "figures");
	}
	json_object_set_new(cases, "total", json_integer(total));
	o = json_pack("{s:o,s:{s:I,s:o},s:{s:f,s:f,s:f,s:f,s:f},s:I,s:o,s:o}", "cases", cases,
	              "calls", "answered", (json_int_t)answered, "aht_s",
	              answered ? json_real(secs((t[3] + t[4]) / answered)) : json_null(), "time",
	              "logged_in_s", secs(t[0]), "ready_s", secs(t[1]), "paused_s", secs(t[2]),
	              "talk_s", secs(t[3]), "wrapup_s", secs(t[4]), "no_answers", (json_int_t)t[5],
	              "from", iso(from), "at", iso(r->now));
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

static int cases_counts(struct req *r)
{
	int64_t group = 0, from, to, total = 0, fcr = 0, threat = 0;
	json_t *by_outcome, *by_channel, *o;
	struct stmt *s;
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
	err = db_prepare(
	        r->app->db, &s,
	        "SELECT outcome, channel, threat, COUNT(*) FROM cases"
	        " WHERE (?1 = 0 OR group_id = ?1) AND received_at >= ?2 AND received_at < ?3"
	        " GROUP BY outcome, channel, threat",
	        true);
	if (!err) {
		int rc;

		stmt_bind_int(s, 1, group);
		stmt_bind_int(s, 2, from);
		stmt_bind_int(s, 3, to);
		while ((rc = stmt_step(s)) == DB_ROW) {
			int64_t n = stmt_int(s, 3);

			add_count(by_outcome, stmt_text(s, 0), n);
			add_count(by_channel, stmt_text(s, 1), n);
			if (stmt_int(s, 2))
				threat += n;
			total += n;
		}
		stmt_done(s);
		err = rc == DB_DONE ? 0 : EIO;
	}
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

const struct route api_desk_routes[] = {
        {"GET", "/api/v1/me/today", ROLES_STAFF, me_today},
        {"GET", "/api/v1/cases/counts", ROLES_LEADS, cases_counts},
        {NULL, NULL, 0, NULL},
};
