/* /api/v1/public: what citizens may read and send without logging in (contact page, Tyck till). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acd/acd.h"
#include "acdhost/acd_host.h"
#include "base/ratelimit.h"
#include "base/calendar.h"
#include "base/hours.h"
#include "core/resource.h"
#include "http/http_int.h"
#include "intake/intake.h"
#include "report/report.h"

#define BUSY_WEEKS 8

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
	err = resource_group_numbers(db, id, nums);
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

struct contact_walk {
	struct req *r;
	const struct date *today;
	json_t *groups;
};

static int contact_group_h(const struct group_row *row, void *arg)
{
	struct contact_walk *w = arg;
	json_t *g;
	int err =
	        group_json(w->r, row->id, row->name, row->email, row->opening_hours, w->today, &g);

	if (!err)
		json_array_append_new(w->groups, g);
	return err;
}

static int contact_get(struct req *r)
{
	struct db *db = r->app->db;
	struct local_time lt;
	json_t *groups = json_array(), *clients = json_array(), *o;
	char today[11], at[21];
	int64_t catch_all = intake_catch_all_group(db);
	struct contact_walk w = {r, NULL, groups};
	int err;

	/* The queue keeps the current intervals in memory; store them so today counts. */
	if (r->app->acd)
		acd_host_store_rollups(r->app->acd, acd_now_ms());
	calendar_local_from_utc(r->now, &lt);
	calendar_date_format(&lt.date, today);
	w.today = &lt.date;
	err = resource_groups_each(db, true, contact_group_h, &w);
	if (!err && catch_all)
		err = intake_clients(db, catch_all, today, clients);
	if (err) {
		json_decref(groups);
		json_decref(clients);
		return resp_store_error(r, err, "contact");
	}
	calendar_format_iso8601(r->now, at);
	o = json_pack("{s:o,s:{s:o,s:[s,s,s,s,s]},s:s,s:s}", "groups", groups, "feedback",
	              "clients", clients, "kinds", "complaint", "praise", "idea", "opinion",
	              "fault_report", "today", today, "at", at);
	return resp_json(r, 200, o);
}

/* ======================================================================
 * Tyck till: the feedback form
 * ====================================================================== */

static const char *const feedback_keys[] = {"kind",  "client_id", "message",  "name",      "email",
                                            "phone", "address",   "latitude", "longitude", NULL};

static bool listed(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

/* An optional text: absent, null and "" are "not given" (NULL); else a string. */
static const char *opt_text(const json_t *in, const char *key, struct verrors *fe, struct req *r)
{
	json_t *x = json_object_get(in, key);

	if (!x || json_is_null(x))
		return NULL;
	if (!json_is_string(x)) {
		valid_add(fe, key, "%s", L(r, "ska vara en text", "must be a string"));
		return NULL;
	}
	return json_string_length(x) ? json_string_value(x) : NULL;
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
	struct intake in = {.channel = "web"};
	struct verrors fe;
	const char *k;
	json_t *body, *x;
	int64_t id = 0;
	char addr[64] = "";
	int err;

	/* Checked first and taken only once a case is made: correcting the form's errors
	 * costs nothing. */
	req_client_addr(r, addr, sizeof(addr));
	if (feedback_limited(r, addr))
		return 0;
	if (req_json_object(r, &body))
		return 0;
	valid_init(&fe, r->lang[0] == 'e');
	json_object_foreach(body, k, x)
	{
		if (!listed(feedback_keys, k))
			valid_add(
			        &fe, k, "%s",
			        L(r,
			          "okänt fält; tillåtna: kind, client_id, message, name, email, "
			          "phone, address, latitude, longitude",
			          "unknown field; accepted: kind, client_id, message, name, email, "
			          "phone, address, latitude, longitude"));
	}
	in.kind = json_string_value(json_object_get(body, "kind"));
	x = json_object_get(body, "client_id");
	in.client_id = json_is_integer(x) ? json_integer_value(x) : 0;
	in.message = json_string_value(json_object_get(body, "message"));
	in.name = opt_text(body, "name", &fe, r);
	in.email = opt_text(body, "email", &fe, r);
	in.phone = opt_text(body, "phone", &fe, r);
	in.address = opt_text(body, "address", &fe, r);
	/* Coordinates (a fault report's point on the map): both numbers or neither. */
	{
		json_t *lat = json_object_get(body, "latitude"),
		       *lon = json_object_get(body, "longitude");
		bool has_lat = lat && !json_is_null(lat), has_lon = lon && !json_is_null(lon);

		if (has_lat && !json_is_number(lat))
			valid_add(&fe, "latitude", "%s",
			          L(r, "ska vara ett tal", "must be a number"));
		if (has_lon && !json_is_number(lon))
			valid_add(&fe, "longitude", "%s",
			          L(r, "ska vara ett tal", "must be a number"));
		if (has_lat != has_lon)
			valid_add(&fe, has_lat ? "longitude" : "latitude", "%s",
			          L(r, "anges tillsammans med den andra koordinaten",
			            "is given together with the other coordinate"));
		if (has_lat && has_lon && json_is_number(lat) && json_is_number(lon)) {
			in.has_coords = true;
			in.latitude = json_number_value(lat);
			in.longitude = json_number_value(lon);
		}
	}
	err = intake_create(r->app->db, &in, r->now, &fe, &id);
	if (err == ENOENT)
		resp_error(r, 503, "unavailable", L(r, "Tyck till är stängt", "Feedback closed"),
		           "%s",
		           L(r, "Det finns ingen svarsgrupp som tar emot synpunkter.",
		             "No response group takes feedback."));
	else if (err == ENOTSUP)
		resp_error(r, 503, "unavailable", L(r, "Tyck till är stängt", "Feedback closed"),
		           L(r, "Ingen aktiv kategori av slaget %s tar emot synpunkter.",
		             "No active category of kind %s takes feedback."),
		           in.kind);
	else if (valid_has_errors(&fe))
		resp_field_errors(r, &fe);
	else if (err)
		resp_store_error(r, err, "case");
	json_decref(body);
	valid_free(&fe);
	if (err)
		return 0;
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
