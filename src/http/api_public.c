/* /api/v1/public: what citizens may read and send without logging in (contact page, Tyck till). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acd/acd.h"
#include "acdhost/acd_host.h"
#include "base/ratelimit.h"
#include "core/audit.h"
#include "base/calendar.h"
#include "core/cases.h"
#include "base/contact.h"
#include "base/hours.h"
#include "http/http_int.h"
#include "report/report.h"
#include "store/db.h"

#define BUSY_WEEKS        8
#define MESSAGE_MAX       4000 /* characters, as a case summary */
#define FEEDBACK_NAME_MAX 120

/* The catch-all group takes the web's feedback: the lowest-id active group ("Stockholm
 * direkt" in the demo, which every agreement covers for overflow). 0 if there is none. */
static int64_t catch_all_group(struct db *db)
{
	struct stmt *s;
	int64_t id = 0;

	if (db_prepare(db, &s, "SELECT id FROM groups WHERE active = 1 ORDER BY id LIMIT 1", true))
		return 0;
	if (stmt_step(s) == DB_ROW)
		id = stmt_int(s, 0);
	stmt_done(s);
	return id;
}

/* The departments a citizen can address: active clients whose agreement covers the
 * catch-all group today (case_create requires exactly that). */
static int feedback_clients(struct db *db, int64_t group, const char *today, json_t *out)
{
	struct stmt *s;
	int rc, err = db_prepare(db, &s,
	                         "SELECT DISTINCT c.id, c.name FROM clients c"
	                         " JOIN agreements a ON a.client_id = c.id"
	                         " JOIN agreement_groups ag ON ag.agreement_id = a.id"
	                         " WHERE c.active = 1 AND ag.group_id = ? AND a.valid_from <= ?"
	                         " AND (a.valid_to IS NULL OR a.valid_to >= ?) ORDER BY c.name",
	                         true);

	if (err)
		return err;
	stmt_bind_int(s, 1, group);
	stmt_bind_text(s, 2, today);
	stmt_bind_text(s, 3, today);
	while ((rc = stmt_step(s)) == DB_ROW)
		json_array_append_new(out, json_pack("{s:I,s:s}", "id", (json_int_t)stmt_int(s, 0),
		                                     "name", stmt_text(s, 1)));
	stmt_done(s);
	return rc == DB_DONE ? 0 : EIO;
}

static json_t *hhmm(int minutes)
{
	char b[24];

	snprintf(b, sizeof(b), "%02d:%02d", minutes / 60, minutes % 60);
	return json_string(b);
}

/* The next seven days' hours from today (Stockholm). */
static json_t *week_hours(const struct hours *h, const struct date *today)
{
	json_t *days = json_array();

	for (int i = 0; i < 7; i++) {
		struct date d;
		struct day_hours dh;
		char day[11];
		const char *holiday;
		json_t *spans = json_array();

		calendar_add_days(today, i, &d);
		hours_for_date(h, &d, &dh);
		for (int k = 0; k < dh.n; k++)
			json_array_append_new(spans,
			                      json_pack("[o,o]", hhmm(dh.from[k]), hhmm(dh.to[k])));
		calendar_date_format(&d, day);
		holiday = calendar_holiday_name(&d);
		json_array_append_new(days,
		                      json_pack("{s:s,s:i,s:o,s:s,s:s?}", "date", day, "weekday",
		                                calendar_weekday(&d), "spans", spans, "why",
		                                dh.why ? dh.why : "weekly", "holiday", holiday));
	}
	return days;
}

/* Offered calls per weekday (0 = Monday) and hour, averaged over the last eight weeks of
 * 15-minute intervals. */
static int busy_of(struct db *db, int64_t group, int64_t now, json_t **out)
{
	int64_t sum[7][24] = {{0}};
	json_t *rows;
	/* Up to a day ahead: no interval starts later than the current one. */
	int err =
	        report_busy_add(db, group, now - (int64_t)BUSY_WEEKS * 7 * 86400, now + 86400, sum);

	if (err)
		return err;
	rows = json_array();
	for (int d = 0; d < 7; d++) {
		json_t *row = json_array();
		for (int hr = 0; hr < 24; hr++)
			json_array_append_new(
			        row,
			        json_real((double)(int64_t)((double)sum[d][hr] * 10.0 / BUSY_WEEKS +
			                                    0.5) /
			                  10.0));
		json_array_append_new(rows, row);
	}
	*out = json_pack("{s:i,s:o}", "weeks", BUSY_WEEKS, "offered", rows);
	return 0;
}

static int group_numbers(struct db *db, int64_t group, json_t *out)
{
	struct stmt *s;
	int rc, err = db_prepare(
	                db, &s,
	                "SELECT number FROM entry_numbers WHERE group_id = ? ORDER BY number",
	                true);

	if (err)
		return err;
	stmt_bind_int(s, 1, group);
	while ((rc = stmt_step(s)) == DB_ROW)
		json_array_append_new(out, json_string(stmt_text(s, 0)));
	stmt_done(s);
	return rc == DB_DONE ? 0 : EIO;
}

/* Whether a call arriving now would be let into the group's queue: the queue's own answer
 * (opening hours, holidays and scheduled closures); without a queue, the hours alone. */
static bool open_now(struct req *r, int64_t id, const struct hours *h)
{
	struct acd_group_snapshot sn;
	int64_t now_ms = acd_now_ms();

	if (r->app->acd && acd_group_snapshot(acd_host_engine(r->app->acd, now_ms), now_ms,
	                                      (uint32_t)id, &sn) == 0)
		return sn.open;
	return hours_is_open(h, r->now);
}

/* One active group as the contact page shows it. Bad stored hours read as "always open",
 * as the queue does. */
static int group_json(struct req *r, int64_t id, const char *name, const char *email,
                      const char *hours_text, const struct date *today, json_t **out)
{
	struct db *db = r->app->db;
	struct hours *h = NULL;
	json_t *g, *nums = json_array(), *busy = NULL;
	char why[160];
	int err;

	if (hours_text) {
		json_t *hj = json_loads(hours_text, 0, NULL);
		if (!hj || hours_parse(&h, hj, why, sizeof(why)) != 0)
			h = NULL;
		json_decref(hj);
	}
	if (!h)
		h = hours_always();
	err = group_numbers(db, id, nums);
	if (!err)
		err = busy_of(db, id, r->now, &busy);
	if (err) {
		json_decref(nums);
		hours_free(h);
		return err;
	}
	g = json_pack("{s:I,s:s,s:s?,s:o,s:b,s:o,s:o}", "id", (json_int_t)id, "name", name, "email",
	              email, "numbers", nums, "open_now", open_now(r, id, h), "hours",
	              week_hours(h, today), "busy", busy);
	hours_free(h);
	*out = g;
	return 0;
}

static int contact_get(struct req *r)
{
	struct db *db = r->app->db;
	struct local_time lt;
	struct stmt *s;
	json_t *groups = json_array(), *clients = json_array(), *o;
	char today[11], at[21];
	int64_t catch_all = catch_all_group(db);
	int rc, err;

	/* The queue keeps the current intervals in memory; store them so today counts. */
	if (r->app->acd)
		acd_host_store_rollups(r->app->acd, acd_now_ms());
	calendar_local_from_utc(r->now, &lt);
	calendar_date_format(&lt.date, today);
	err = db_prepare(db, &s,
	                 "SELECT id, name, email, opening_hours FROM groups WHERE active = 1"
	                 " ORDER BY id",
	                 false);
	if (err)
		goto out;
	while ((rc = stmt_step(s)) == DB_ROW) {
		json_t *g;
		err = group_json(r, stmt_int(s, 0), stmt_text(s, 1), stmt_text(s, 2),
		                 stmt_text(s, 3), &lt.date, &g);
		if (err)
			break;
		json_array_append_new(groups, g);
	}
	stmt_done(s);
	if (!err && rc != DB_DONE)
		err = EIO;
	if (!err && catch_all)
		err = feedback_clients(db, catch_all, today, clients);
out:
	if (err) {
		json_decref(groups);
		json_decref(clients);
		return resp_store_error(r, err, "contact");
	}
	calendar_format_iso8601(r->now, at);
	o = json_pack("{s:o,s:{s:o,s:[s,s,s,s]},s:s,s:s}", "groups", groups, "feedback", "clients",
	              clients, "kinds", "complaint", "praise", "idea", "opinion", "today", today,
	              "at", at);
	return resp_json(r, 200, o);
}

/* ======================================================================
 * Tyck till: the feedback form
 * ====================================================================== */

static const char *const feedback_keys[] = {"kind",  "client_id", "message", "name",
                                            "email", "phone",     NULL};

/* The category a feedback of this kind is logged under: the first active one of the kind
 * for the group and client that no handover rule of the client binds (the form cannot
 * name a receiving contact). 0 if there is none. */
static int64_t feedback_category(struct db *db, const char *kind, int64_t group, int64_t client)
{
	struct stmt *s;
	int64_t id = 0;

	if (db_prepare(db, &s,
	               "SELECT c.id FROM categories c WHERE c.active = 1 AND c.kind = ?"
	               " AND (c.group_id IS NULL OR c.group_id = ?)"
	               " AND (c.client_id IS NULL OR c.client_id = ?)"
	               " AND NOT EXISTS (SELECT 1 FROM boundaries b"
	               "  JOIN agreements a ON a.id = b.agreement_id"
	               "  WHERE b.category_id = c.id AND a.client_id = ? AND b.action = 'handover')"
	               " ORDER BY c.id LIMIT 1",
	               true))
		return 0;
	stmt_bind_text(s, 1, kind);
	stmt_bind_int(s, 2, group);
	stmt_bind_int(s, 3, client);
	stmt_bind_int(s, 4, client);
	if (stmt_step(s) == DB_ROW)
		id = stmt_int(s, 0);
	stmt_done(s);
	return id;
}

static bool listed(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

static bool in_array_id(const json_t *arr, int64_t id)
{
	size_t i;
	json_t *x;

	json_array_foreach(arr, i,
	                   x) if (json_integer_value(json_object_get(x, "id")) == id) return true;
	return false;
}

/* An optional text: absent, null and "" are "not given" (NULL); else a string. */
static const char *opt_text(const json_t *in, const char *key, struct problem *p, struct req *r)
{
	json_t *x = json_object_get(in, key);

	if (!x || json_is_null(x))
		return NULL;
	if (!json_is_string(x)) {
		problem_field(p, key, "%s", L(r, "ska vara en text", "must be a string"));
		return NULL;
	}
	return json_string_length(x) ? json_string_value(x) : NULL;
}

/* Character count of UTF-8 text (the limit is in characters, as the form says). */
static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

static void check_feedback(struct req *r, const json_t *in, struct problem *p, const char **kind,
                           int64_t *client, const json_t *clients)
{
	const char *k;
	json_t *x;

	json_object_foreach((json_t *)in, k, x) if (!listed(feedback_keys, k)) problem_field(
	        p, k, "%s",
	        L(r, "okänt fält; tillåtna: kind, client_id, message, name, email, phone",
	          "unknown field; accepted: kind, client_id, message, name, email, "
	          "phone"));
	*kind = json_string_value(json_object_get(in, "kind"));
	if (!*kind ||
	    !listed((const char *const[]){"complaint", "praise", "idea", "opinion", NULL}, *kind)) {
		problem_field(p, "kind", "%s",
		              L(r, "välj vad det gäller: complaint, praise, idea eller opinion",
		                "choose what it is: complaint, praise, idea or opinion"));
		*kind = NULL;
	}
	x = json_object_get(in, "client_id");
	*client = json_is_integer(x) ? json_integer_value(x) : 0;
	if (!json_is_integer(x) || !in_array_id(clients, *client))
		problem_field(
		        p, "client_id", "%s",
		        L(r, "välj ett av områdena i listan", "choose one of the listed areas"));
	x = json_object_get(in, "message");
	if (!json_is_string(x) || json_string_length(x) == 0)
		problem_field(p, "message", "%s",
		              L(r, "skriv vad du vill framföra", "write what you want to tell us"));
	else if (utf8_chars(json_string_value(x)) > MESSAGE_MAX)
		problem_field(p, "message",
		              L(r, "får vara högst %d tecken (nu %zu)",
		                "may be at most %d characters (now %zu)"),
		              MESSAGE_MAX, utf8_chars(json_string_value(x)));
}

/* A citizen who sent several messages in a short while is asked to wait: the form is
 * open to anyone, and each post is a case someone has to read. */
static int feedback_limited(struct req *r, const char *addr)
{
	unsigned retry = 0, min;
	char secs[16], when[48];

	if (ratelimit_check(r->app->feedback_limit, addr, acd_now_ms(), &retry))
		return 0;
	min = (retry + 59) / 60;
	if (min <= 1)
		snprintf(when, sizeof(when), "%s", L(r, "en minut", "a minute"));
	else
		snprintf(when, sizeof(when), L(r, "%u minuter", "%u minutes"), min);
	resp_error(r, 429, "too-many-requests", L(r, "För många meddelanden", "Too many messages"),
	           L(r,
	             "Du har skickat flera meddelanden på kort tid. Försök igen om %s, eller "
	             "ring oss.",
	             "You have sent several messages in a short while. Please try again in %s, "
	             "or call us."),
	           when);
	snprintf(secs, sizeof(secs), "%u", retry);
	resp_header(r, "Retry-After", secs);
	return 1;
}

static int feedback_post(struct req *r)
{
	struct db *db = r->app->db;
	struct principal nobody = {0};
	struct problem p;
	struct verrors v;
	struct local_time lt;
	const char *kind = NULL, *name, *email, *phone;
	char kind_copy[16];
	char today[11], norm[32];
	json_t *in, *clients = json_array(), *c, *citizen;
	int64_t group = catch_all_group(db), client = 0, category, id = 0;
	char addr[64] = "";
	int err;

	/* Checked first and taken only once a case is made: correcting the form's errors
	 * costs nothing. */
	req_client_addr(r, addr, sizeof(addr));
	if (feedback_limited(r, addr)) {
		json_decref(clients);
		return 0;
	}
	if (req_json_object(r, &in)) {
		json_decref(clients);
		return 0;
	}
	calendar_local_from_utc(r->now, &lt);
	calendar_date_format(&lt.date, today);
	if (!group || feedback_clients(db, group, today, clients) != 0) {
		json_decref(in);
		json_decref(clients);
		return resp_error(r, 503, "unavailable",
		                  L(r, "Tyck till är stängt", "Feedback closed"), "%s",
		                  L(r, "Det finns ingen svarsgrupp som tar emot synpunkter.",
		                    "No response group takes feedback."));
	}
	problem_init(&p);
	p.status = 422;
	check_feedback(r, in, &p, &kind, &client, clients);
	json_decref(clients);
	name = opt_text(in, "name", &p, r);
	email = opt_text(in, "email", &p, r);
	phone = opt_text(in, "phone", &p, r);
	if (name && utf8_chars(name) > FEEDBACK_NAME_MAX)
		problem_field(&p, "name",
		              L(r, "får vara högst %d tecken", "may be at most %d characters"),
		              FEEDBACK_NAME_MAX);
	if (email && contact_email_validate(email) != 0)
		problem_field(&p, "email", "%s",
		              L(r, "är ingen e-postadress (t.ex. namn@exempel.se)",
		                "is not an e-mail address (e.g. name@example.com)"));
	if (phone && contact_phone_normalize(phone, norm, sizeof(norm)) != 0)
		problem_field(&p, "phone", "%s",
		              L(r, "är inget telefonnummer (t.ex. 070-123 45 67)",
		                "is not a phone number (e.g. 070-123 45 67)"));
	if (p.errors) {
		json_decref(in);
		return resp_problem(r, &p);
	}
	/* kind lives in `in`, which goes before the audit row is written. */
	snprintf(kind_copy, sizeof(kind_copy), "%s", kind);
	category = feedback_category(db, kind, group, client);
	if (!category) {
		json_decref(in);
		return resp_error(r, 503, "unavailable",
		                  L(r, "Tyck till är stängt", "Feedback closed"),
		                  L(r, "Ingen aktiv kategori av slaget %s tar emot synpunkter.",
		                    "No active category of kind %s takes feedback."),
		                  kind);
	}
	citizen = json_object();
	if (name)
		json_object_set_new(citizen, "name", json_string(name));
	if (email)
		json_object_set_new(citizen, "email", json_string(email));
	if (phone)
		json_object_set_new(citizen, "phone", json_string(phone));
	/* Outcome "resolved": the feedback is registered and needs nothing more from the
	 * citizen; staff hand it over later (POST /cases/{id}/handovers) when a department
	 * should act. No boundary binds the category chosen above, so this always passes. */
	c = json_pack("{s:I,s:I,s:I,s:s,s:s,s:O}", "group_id", (json_int_t)group, "client_id",
	              (json_int_t)client, "category_id", (json_int_t)category, "channel", "web",
	              "outcome", "resolved", "summary", json_object_get(in, "message"));
	if (json_object_size(citizen))
		json_object_set(c, "citizen", citizen);
	json_decref(citizen);
	json_decref(in);
	valid_init(&v, r->lang[0] == 'e');
	err = case_create(db, &nobody, c, r->now, &id, &v);
	json_decref(c);
	if (valid_has_errors(&v)) {
		size_t i;
		json_t *e;

		/* Name the form's fields, not the case's (summary is the message, citizen.email
		 * the e-mail …). */
		json_array_foreach(v.list, i, e)
		{
			const char *f = json_string_value(json_object_get(e, "field"));
			if (f && strcmp(f, "summary") == 0)
				json_object_set_new(e, "field", json_string("message"));
			else if (f && strncmp(f, "citizen.", 8) == 0)
				json_object_set_new(e, "field", json_string(f + 8));
		}
		problem_init(&p);
		p.status = v.status;
		p.errors = v.list;
		v.list = NULL;
		return resp_problem(r, &p);
	}
	if (!err)
		err = audit_record(db, r->now, 0, "public_feedback", "case", id, kind_copy);
	if (err)
		return resp_store_error(r, err, "case");
	ratelimit_take(r->app->feedback_limit, addr, acd_now_ms());
	/* Nothing personal goes back: the citizen knows what they wrote. */
	return resp_json(r, 201,
	                 json_pack("{s:I,s:s}", "case_id", (json_int_t)id, "message",
	                           L(r,
	                             "Tack för att du hör av dig! Vi har tagit emot ditt "
	                             "meddelande.",
	                             "Thank you for getting in touch! We have received your "
	                             "message.")));
}

const struct route api_public_routes[] = {
        {"GET", "/api/v1/public/contact", 0, contact_get},
        {"POST", "/api/v1/public/feedback", 0, feedback_post},
        {NULL, NULL, 0, NULL},
};
