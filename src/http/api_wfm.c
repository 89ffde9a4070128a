/* /api/v1/schedules, /shifts, /coverage and /wfm/today: schedules of a group's agents,
 * coverage of the forecast's needs by them, its exports, and the daily steering board. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acdhost/acd_host.h"
#include "core/audit.h"
#include "base/calendar.h"
#include "http/http_int.h"
#include "store/db.h"
#include "wfm/forecast.h"
#include "wfm/schedule.h"
#include "wfm/staffing.h"
#include "wfm/wfm_export.h"
#include "wfm/wfm_store.h"

#define SLOT_MIN   15
#define SLOTS      (1440 / SLOT_MIN)
#define MAX_SHIFT  (16 * 3600)  /* a shift or a meeting */
#define MAX_ABSENT (31 * 86400) /* a stretch of absence */
#define MAX_PUT    2000         /* entries in one week's PUT */

/* May the principal plan (and see the plans of) `group`? Managers and admins every
 * group, a lead the groups they are a member of. */
static bool may_plan(struct req *r, int64_t group)
{
	if (r->who.role == ROLE_ADMIN || r->who.role == ROLE_MANAGER)
		return true;
	return r->who.role == ROLE_GROUP_LEAD && wfm_is_member(r->app->db, r->who.id, group);
}

static int forbidden_group(struct req *r)
{
	return resp_error(r, 403, "forbidden", L(r, "Ej behörig", "Forbidden"), "%s",
	                  L(r, "Du planerar inte den här svarsgruppen.",
	                    "You do not plan this response group."));
}

/* ?group_id= required, an existing group the principal may plan. 0 when answered. */
static int64_t query_group(struct req *r, bool required)
{
	int64_t g = 0;

	if (req_query_max(r, "group_id", UINT32_MAX, &g))
		return 0;
	if (!g && required) {
		req_query_bad(r, "group_id", "%s", L(r, "måste anges", "is required"));
		return 0;
	}
	if (g && !wfm_group_exists(r->app->db, g)) {
		resp_error(
		        r, 404, "not-found", L(r, "Finns inte", "Not found"),
		        L(r, "Svarsgrupp %lld finns inte.", "Response group %lld does not exist."),
		        (long long)g);
		return 0;
	}
	return g;
}

static int64_t midnight(int64_t day)
{
	struct date d;
	int64_t t;

	calendar_date_from_days(day, &d);
	if (calendar_local_to_utc(&d, 0, 0, &t) != 0)
		t = day * 86400;
	return t;
}

static int64_t today(int64_t now)
{
	struct local_time lt;

	calendar_local_from_utc(now, &lt);
	return calendar_date_to_days(&lt.date);
}

static json_t *iso(int64_t t)
{
	char buf[32];

	calendar_format_iso8601(t, buf);
	return json_string(buf);
}

/* ======================================================================
 * An entry from JSON
 * ====================================================================== */

static bool get_time(const json_t *in, const char *key, int64_t *out)
{
	const char *s = json_string_value(json_object_get(in, key));

	return s && calendar_parse_iso8601(s, out) == 0;
}

/* Fill e from `in` over what e holds (PATCH) and check it; field errors go to p with
 * `prefix` ("shifts[3].") before the field names. */
static void entry_parse(struct req *r, const json_t *in, struct wfm_entry *e, struct problem *p,
                        const char *prefix)
{
	struct db *db = r->app->db;
	json_t *v;
	char f[64];

#define FIELD(name) (snprintf(f, sizeof(f), "%s%s", prefix, name), f)
	if ((v = json_object_get(in, "kind"))) {
		int k = wfm_kind_parse(json_string_value(v));
		if (k < 0)
			valid_add(&p->errors, FIELD("kind"), "%s",
			          L(r, "ska vara shift, meeting, sick, vacation eller training",
			            "must be shift, meeting, sick, vacation or training"));
		else
			e->kind = (enum wfm_kind)k;
	}
	if ((v = json_object_get(in, "group_id"))) {
		if (!json_is_integer(v) || !wfm_group_exists(db, json_integer_value(v)))
			valid_add(&p->errors, FIELD("group_id"), "%s",
			          L(r, "finns inte som svarsgrupp", "is not a response group"));
		else
			e->group = json_integer_value(v);
	}
	if ((v = json_object_get(in, "user_id"))) {
		if (json_is_null(v))
			e->user = 0;
		else if (!json_is_integer(v) || !wfm_user_exists(db, json_integer_value(v)))
			valid_add(&p->errors, FIELD("user_id"), "%s",
			          L(r, "finns inte som användare", "is not a user"));
		else
			e->user = json_integer_value(v);
	}
	if (json_object_get(in, "start") && !get_time(in, "start", &e->from))
		valid_add(&p->errors, FIELD("start"), "%s",
		          L(r, "ska vara en tid YYYY-MM-DDTHH:MM",
		            "must be a time YYYY-MM-DDTHH:MM"));
	if (json_object_get(in, "end") && !get_time(in, "end", &e->to))
		valid_add(&p->errors, FIELD("end"), "%s",
		          L(r, "ska vara en tid YYYY-MM-DDTHH:MM",
		            "must be a time YYYY-MM-DDTHH:MM"));
	if ((v = json_object_get(in, "note"))) {
		const char *s = json_string_value(v);
		if (!json_is_null(v) && (!s || strlen(s) >= sizeof(e->note)))
			valid_add(&p->errors, FIELD("note"), "%s",
			          L(r, "ska vara text, högst 200 tecken",
			            "must be text of at most 200 characters"));
		else
			snprintf(e->note, sizeof(e->note), "%s", s ? s : "");
	}
	if ((v = json_object_get(in, "closes_group"))) {
		if (!json_is_boolean(v))
			valid_add(&p->errors, FIELD("closes_group"), "%s",
			          L(r, "ska vara true eller false", "must be true or false"));
		else
			e->closes_group = json_is_true(v);
	}
	if ((v = json_object_get(in, "breaks"))) {
		size_t i;
		json_t *b;
		if (!json_is_array(v) || json_array_size(v) > WFM_MAX_BREAKS) {
			valid_add(&p->errors, FIELD("breaks"),
			          L(r, "ska vara en lista med högst %d raster",
			            "must be a list of at most %d breaks"),
			          WFM_MAX_BREAKS);
		} else {
			e->n_breaks = 0;
			json_array_foreach(v, i, b)
			{
				struct sched_span sp = {0, 0, 0};
				char bf[48];
				snprintf(bf, sizeof(bf), "breaks[%zu]", i);
				if (!json_is_object(b) || !get_time(b, "start", &sp.from) ||
				    !get_time(b, "end", &sp.to) || sp.to <= sp.from)
					valid_add(&p->errors, FIELD(bf), "%s",
					          L(r, "ska ha start och end, end efter start",
					            "must have start and end, end after start"));
				else
					e->breaks[e->n_breaks++] = sp;
			}
		}
	}
	if (valid_has_errors(&p->errors))
		return;
	/* The entry as a whole. */
	if (!e->group)
		valid_add(&p->errors, FIELD("group_id"), "%s", L(r, "måste anges", "is required"));
	if (!e->from)
		valid_add(&p->errors, FIELD("start"), "%s", L(r, "måste anges", "is required"));
	if (!e->to)
		valid_add(&p->errors, FIELD("end"), "%s", L(r, "måste anges", "is required"));
	if (!e->user && e->kind != WFM_MEETING)
		valid_add(&p->errors, FIELD("user_id"), "%s",
		          L(r, "måste anges (bara ett möte kan gälla hela gruppen)",
		            "is required (only a meeting may be for the whole group)"));
	if (valid_has_errors(&p->errors))
		return;
	if (e->to <= e->from)
		valid_add(&p->errors, FIELD("end"), "%s",
		          L(r, "måste vara efter start", "must be after start"));
	else if (e->to - e->from >
	         (e->kind == WFM_SHIFT || e->kind == WFM_MEETING ? MAX_SHIFT : MAX_ABSENT))
		valid_add(&p->errors, FIELD("end"), "%s",
		          e->kind == WFM_SHIFT || e->kind == WFM_MEETING
		                  ? L(r, "högst 16 timmar efter start",
		                      "at most 16 hours after start")
		                  : L(r, "högst 31 dagar efter start",
		                      "at most 31 days after start"));
	if (e->user && e->group && !wfm_is_member(db, e->user, e->group))
		valid_add(&p->errors, FIELD("user_id"), "%s",
		          L(r, "är inte med i svarsgruppen",
		            "is not a member of the response group"));
	if (e->n_breaks && e->kind != WFM_SHIFT)
		valid_add(&p->errors, FIELD("breaks"), "%s",
		          L(r, "bara ett arbetspass har raster", "only a shift has breaks"));
	for (int i = 0; i < e->n_breaks; i++) {
		char bf[48];
		e->breaks[i].user = e->user;
		snprintf(bf, sizeof(bf), "breaks[%d]", i);
		if (e->breaks[i].from < e->from || e->breaks[i].to > e->to)
			valid_add(&p->errors, FIELD(bf), "%s",
			          L(r, "måste ligga inom passet", "must lie within the shift"));
	}
	if (e->closes_group && e->kind != WFM_MEETING)
		valid_add(&p->errors, FIELD("closes_group"), "%s",
		          L(r, "bara ett möte stänger gruppen", "only a meeting closes the group"));
#undef FIELD
}

static int overlap_conflict(struct req *r, int64_t other)
{
	return resp_error(r, 409, "overlap", L(r, "Passen krockar", "Shifts overlap"),
	                  L(r, "Agenten har redan ett arbetspass då (pass %lld).",
	                    "The agent already has a shift then (shift %lld)."),
	                  (long long)other);
}

/* The queue follows closures a meeting created or changed. */
static void closures_changed(struct req *r)
{
	if (r->app->acd)
		acd_host_reload(r->app->acd, acd_now_ms());
	else if (r->app->queue_reload) /* a standby: the queue's node reloads */
		r->app->queue_reload(r->app->queue_reload_arg);
}

/* ======================================================================
 * /shifts
 * ====================================================================== */

/* A shift from the request body: created (e zeroed) or updated (e loaded); a closure it
 * makes, or an update that may end one, reloads the queue's hours. */
static int shift_save(struct req *r, struct wfm_entry *e, bool create)
{
	struct problem p;
	json_t *in;
	int64_t other;
	int err;

	if (req_json_object(r, &in))
		return 0;
	problem_init(&p);
	p.status = 422;
	entry_parse(r, in, e, &p, "");
	json_decref(in);
	if (valid_has_errors(&p.errors))
		return resp_problem(r, &p);
	if (!may_plan(r, e->group))
		return forbidden_group(r);
	err = wfm_shift_overlapping(r->app->db, e, &other);
	if (!err && other)
		return overlap_conflict(r, other);
	if (!err)
		err = create ? wfm_entry_insert(r->app->db, e) : wfm_entry_update(r->app->db, e);
	if (err)
		return resp_store_error(r, err, L(r, "passet", "the shift"));
	if (!create || e->closure)
		closures_changed(r);
	return resp_json(r, create ? 201 : 200, wfm_entry_json(e));
}

static int shift_create(struct req *r)
{
	struct wfm_entry e;

	memset(&e, 0, sizeof(e));
	return shift_save(r, &e, true);
}

/* The entry {id} the principal may see (agents: their own or their group's meeting). */
static int load_entry(struct req *r, struct wfm_entry *e, bool write)
{
	int err = wfm_entry_get(r->app->db, r->params[0], e);

	if (err == ENOENT)
		return resp_error(r, 404, "not-found", L(r, "Finns inte", "Not found"), "%s",
		                  L(r, "Passet finns inte.", "The shift does not exist.")),
		       ENOENT;
	if (err)
		return resp_store_error(r, err, L(r, "passet", "the shift")), err;
	if (r->who.role == ROLE_AGENT && !write &&
	    (e->user == r->who.id || (!e->user && wfm_is_member(r->app->db, r->who.id, e->group))))
		return 0;
	if (!may_plan(r, e->group))
		return forbidden_group(r), EPERM;
	return 0;
}

static int shift_get(struct req *r)
{
	struct wfm_entry e;

	if (load_entry(r, &e, false))
		return 0;
	if (e.kind != WFM_SHIFT && e.kind != WFM_MEETING &&
	    audit_record(r->app->db, r->now, r->who.id, "read", "absence", e.id, NULL))
		return resp_store_error(r, EIO, "audit");
	return resp_json(r, 200, wfm_entry_json(&e));
}

static int shift_update(struct req *r)
{
	struct wfm_entry e;

	if (load_entry(r, &e, true))
		return 0;
	return shift_save(r, &e, false);
}

static int shift_delete(struct req *r)
{
	struct wfm_entry e;
	int err;

	if (load_entry(r, &e, true))
		return 0;
	err = wfm_entry_delete(r->app->db, e.id);
	if (err)
		return resp_store_error(r, err, L(r, "passet", "the shift"));
	if (e.closure)
		closures_changed(r);
	return resp_empty(r, 204);
}

/* ======================================================================
 * /schedules
 * ====================================================================== */

/* ?week=2026-W50 (default: this week): [from, to) in epoch seconds. */
static int query_week(struct req *r, char week[16], int64_t *from, int64_t *to)
{
	const char *w = req_query(r, "week");
	int64_t monday;

	if (w) {
		if (schedule_week_parse(w, &monday) != 0)
			return req_query_bad(r, "week", "%s",
			                     L(r, "ska vara en ISO-vecka som 2026-W50",
			                       "must be an ISO week such as 2026-W50"));
		snprintf(week, 16, "%s", w);
	} else {
		struct date d, jan4 = {0, 1, 4};
		int64_t t = today(r->now);
		calendar_date_from_days(t, &d);
		monday = t - calendar_weekday(&d);
		/* The ISO week's year is its Thursday's. */
		calendar_date_from_days(monday + 3, &d);
		jan4.y = d.y;
		snprintf(week, 16, "%04d-W%02d", d.y,
		         (int)((monday - (calendar_date_to_days(&jan4) - calendar_weekday(&jan4))) /
		                       7 +
		               1));
	}
	*from = midnight(monday);
	*to = midnight(monday + 7);
	return 0;
}

static int schedules_get(struct req *r)
{
	int64_t group = query_group(r, r->who.role != ROLE_AGENT), from, to;
	int64_t user = r->who.role == ROLE_AGENT ? r->who.id : 0;
	char week[16];
	json_t *entries = NULL, *members = NULL, *o;
	int err;

	if (r->resp)
		return 0;
	if (query_week(r, week, &from, &to))
		return 0;
	if (user && group && !wfm_is_member(r->app->db, user, group))
		return forbidden_group(r);
	if (!user && !may_plan(r, group))
		return forbidden_group(r);
	err = wfm_entries_json(r->app->db, group, user, from, to, &entries);
	if (!err && group && !user)
		err = wfm_members_json(r->app->db, group, &members);
	if (!err)
		err = audit_record(r->app->db, r->now, r->who.id, "list", "schedule", group, week);
	if (err) {
		json_decref(entries);
		json_decref(members);
		return resp_store_error(r, err, L(r, "schemat", "the schedule"));
	}
	o = json_pack("{s:o,s:s,s:o,s:o,s:o,s:o}", "group_id",
	              group ? json_integer(group) : json_null(), "week", week, "from", iso(from),
	              "to", iso(to), "agents", members ? members : json_array(), "shifts", entries);
	return resp_json(r, 200, o);
}

/* PUT: the week's entries of the group replaced by {"shifts":[…]}, all or nothing. */
static int schedules_put(struct req *r)
{
	int64_t group = query_group(r, true), from, to, other = 0;
	struct wfm_entry *v = NULL;
	struct sched_span *spans = NULL;
	struct problem p;
	char week[16];
	json_t *in = NULL, *list, *x, *entries;
	size_t i, n;
	int err = 0, a, b;
	bool closures = false;

	if (r->resp)
		return 0;
	if (query_week(r, week, &from, &to))
		return 0;
	if (!may_plan(r, group))
		return forbidden_group(r);
	if (req_json_object(r, &in))
		return 0;
	list = json_object_get(in, "shifts");
	problem_init(&p);
	p.status = 422;
	if (!json_is_array(list) || json_array_size(list) > MAX_PUT) {
		valid_add(&p.errors, "shifts",
		          L(r, "ska vara en lista med högst %d poster",
		            "must be a list of at most %d entries"),
		          MAX_PUT);
		json_decref(in);
		return resp_problem(r, &p);
	}
	n = json_array_size(list);
	v = calloc(n ? n : 1, sizeof(*v));
	spans = calloc(n ? n : 1, sizeof(*spans));
	if (!v || !spans) {
		free(v);
		free(spans);
		json_decref(in);
		return resp_store_error(r, ENOMEM, "schedule");
	}
	json_array_foreach(list, i, x)
	{
		char prefix[32];
		snprintf(prefix, sizeof(prefix), "shifts[%zu].", i);
		v[i].group = group;
		if (!json_is_object(x)) {
			valid_add(&p.errors, prefix, "%s",
			          L(r, "ska vara ett objekt", "must be an object"));
			continue;
		}
		entry_parse(r, x, &v[i], &p, prefix);
		if (!valid_has_errors(&p.errors) && v[i].group != group)
			valid_add(&p.errors, prefix, "%s",
			          L(r, "group_id ska vara veckans grupp",
			            "group_id must be the week's group"));
		if (!valid_has_errors(&p.errors) && (v[i].from < from || v[i].from >= to))
			valid_add(&p.errors, prefix, "%s",
			          L(r, "ska börja under veckan", "must start within the week"));
		spans[i] = (struct sched_span){v[i].kind == WFM_SHIFT ? v[i].user : -(int64_t)i - 1,
		                               v[i].from,
		                               v[i].to > v[i].from ? v[i].to : v[i].from + 1};
	}
	json_decref(in);
	if (valid_has_errors(&p.errors)) {
		free(v);
		free(spans);
		return resp_problem(r, &p);
	}
	problem_init(&p);
	if (schedule_overlap(spans, (int)n, &a, &b)) {
		free(v);
		free(spans);
		return resp_error(
		        r, 409, "overlap", L(r, "Passen krockar", "Shifts overlap"),
		        L(r, "shifts[%d] och shifts[%d] är samma agents pass samtidigt.",
		          "shifts[%d] and shifts[%d] are the same agent's shifts at once."),
		        a, b);
	}
	free(spans);
	err = db_begin(r->app->db);
	if (!err)
		err = wfm_entries_clear(r->app->db, group, from, to);
	for (i = 0; !err && i < n; i++) {
		err = wfm_shift_overlapping(r->app->db, &v[i], &other);
		if (!err && other)
			break;
		err = wfm_entry_insert(r->app->db, &v[i]);
		closures |= v[i].closure != 0;
	}
	if (!err && !other)
		err = db_commit(r->app->db);
	if (err || other)
		db_rollback(r->app->db);
	free(v);
	if (other)
		return overlap_conflict(r, other);
	if (err)
		return resp_store_error(r, err, L(r, "schemat", "the schedule"));
	closures_changed(r);
	(void)closures;
	err = wfm_entries_json(r->app->db, group, 0, from, to, &entries);
	if (err)
		return resp_store_error(r, err, L(r, "schemat", "the schedule"));
	return resp_json(r, 200,
	                 json_pack("{s:I,s:s,s:o,s:o,s:o}", "group_id", (json_int_t)group, "week",
	                           week, "from", iso(from), "to", iso(to), "shifts", entries));
}

/* ======================================================================
 * The plan of a day: forecast, needed, scheduled
 * ====================================================================== */

struct plan {
	int64_t day;  /* days since 1970-01-01 */
	int64_t from; /* its local midnight, epoch s */
	double fc[SLOTS];
	double needed[SLOTS];
	double needed_c[SLOTS];
	double sched[SLOTS];
	struct staffing_params p;
	bool forecast; /* there was history to forecast from */
	bool open;     /* the forecast has the day open */
};

static int plan_day(struct db *db, int64_t group, int64_t day, int64_t now, struct plan *pl)
{
	struct forecast_history h = {0};
	struct forecast_request rq = {.first_day = day, .days = 1};
	struct forecast_params fp;
	struct staffing_interval st[SLOTS];
	struct sched_span *sh = NULL, *of = NULL;
	int nsh = 0, nof = 0, err;
	int64_t t = today(now);

	memset(pl, 0, sizeof(*pl));
	pl->day = day;
	pl->from = midnight(day);
	err = wfm_group_params(db, group, now, SLOT_MIN, &pl->p);
	if (err)
		return err;
	err = wfm_history(db, group, day < t ? day : t, SLOTS, &h);
	if (!err) {
		forecast_params_default(&fp);
		if (forecast_run(&h, &rq, &fp, pl->fc, &pl->open, NULL) == 0)
			pl->forecast = true;
		free((void *)h.calls);
		free((void *)h.open);
	} else if (err != ENOENT) {
		return err;
	}
	if (pl->forecast) {
		err = staffing_plan(pl->fc, SLOTS, &pl->p, st);
		if (err && err != ERANGE)
			return err;
		for (int i = 0; i < SLOTS; i++) {
			pl->needed[i] = st[i].agents;
			pl->needed_c[i] = st[i].agents_erlang_c;
		}
	}
	err = wfm_spans(db, group, pl->from, pl->from + SLOTS * SLOT_MIN * 60, &sh, &nsh, &of,
	                &nof);
	if (!err)
		err = schedule_coverage(sh, nsh, of, nof, pl->from, SLOTS, SLOT_MIN * 60,
		                        pl->sched);
	free(sh);
	free(of);
	return err;
}

/* The intervals worth showing: from the first to the last with a forecast, a need or a
 * shift. */
static void plan_span(const struct plan *pl, int *a, int *b)
{
	*a = SLOTS;
	*b = -1;
	for (int i = 0; i < SLOTS; i++)
		if (pl->fc[i] >= 0.005 || pl->needed[i] > 0 || pl->sched[i] > 0) {
			if (*a == SLOTS)
				*a = i;
			*b = i;
		}
}

/* Calls, agents and seconds to two decimals, fractions (service level, rates, targets)
 * to four: the answers read 0.85, not the binary 0.84999999999999998 (the writer prints
 * 15 significant digits, see resp.c). */
static json_t *num(double x)
{
	return json_real(round(x * 100) / 100);
}

static json_t *frac(double x)
{
	return json_real(round(x * 10000) / 10000);
}

static json_t *params_json(const struct staffing_params *p)
{
	return json_pack("{s:o,s:o,s:o,s:i,s:o,s:o}", "aht_s", num(p->aht_s), "patience_s",
	                 num(p->patience_s), "target_sl", frac(p->target_sl), "target_time_s",
	                 (int)p->target_time_s, "shrinkage", frac(p->shrinkage), "max_occupancy",
	                 frac(p->max_occupancy));
}

static json_t *coverage_json(const struct plan *pl, int64_t group)
{
	json_t *list = json_array();
	double tf = 0, tn = 0, ts = 0, short_h = 0;
	int a, b;
	struct date d;
	char ds[11];

	plan_span(pl, &a, &b);
	for (int i = a; i <= b; i++) {
		double gap = pl->sched[i] - pl->needed[i];
		json_array_append_new(
		        list,
		        json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:s}", "start",
		                  iso(pl->from + (int64_t)i * SLOT_MIN * 60), "forecast",
		                  num(pl->fc[i]), "needed", json_integer((json_int_t)pl->needed[i]),
		                  "needed_erlang_c", json_integer((json_int_t)pl->needed_c[i]),
		                  "scheduled", num(pl->sched[i]), "gap", num(gap), "status",
		                  gap < -0.005  ? "short"
		                  : gap > 0.995 ? "over"
		                                : "ok"));
		tf += pl->fc[i];
		tn += pl->needed[i];
		ts += pl->sched[i];
		if (gap < -0.005)
			short_h -= gap * SLOT_MIN / 60.0;
	}
	calendar_date_from_days(pl->day, &d);
	calendar_date_format(&d, ds);
	return json_pack("{s:I,s:s,s:i,s:b,s:b,s:o,s:o,s:{s:o,s:o,s:o,s:o}}", "group_id",
	                 (json_int_t)group, "date", ds, "interval_min", SLOT_MIN,
	                 "forecast_available", pl->forecast, "open", pl->open, "params",
	                 params_json(&pl->p), "intervals", list, "totals", "forecast", num(tf),
	                 "needed_hours", num(tn * SLOT_MIN / 60.0), "scheduled_hours",
	                 num(ts * SLOT_MIN / 60.0), "short_hours", num(short_h));
}

/* ?group_id=&date= (default today) for coverage and its exports. */
static int coverage_query(struct req *r, int64_t *group, int64_t *day)
{
	const char *ds = req_query(r, "date");
	struct date d;

	*group = query_group(r, true);
	if (r->resp)
		return EINVAL;
	if (!may_plan(r, *group))
		return forbidden_group(r), EPERM;
	*day = today(r->now);
	if (ds) {
		if (calendar_date_parse(ds, &d) != 0)
			return req_query_bad(
			        r, "date", "%s",
			        L(r, "ska vara ett datum YYYY-MM-DD", "must be a date YYYY-MM-DD"));
		*day = calendar_date_to_days(&d);
	}
	return 0;
}

static int coverage_build(struct req *r, json_t **out)
{
	struct plan *pl;
	int64_t group, day;
	int err;

	if (coverage_query(r, &group, &day))
		return EINVAL;
	pl = malloc(sizeof(*pl));
	if (!pl)
		return resp_store_error(r, ENOMEM, "coverage"), ENOMEM;
	err = plan_day(r->app->db, group, day, r->now, pl);
	if (err) {
		free(pl);
		return resp_store_error(r, err, L(r, "täckningen", "the coverage")), err;
	}
	*out = coverage_json(pl, group);
	free(pl);
	return 0;
}

static int coverage_get(struct req *r)
{
	json_t *o;

	if (coverage_build(r, &o))
		return 0;
	return resp_json(r, 200, o);
}

static int coverage_file(struct req *r, bool xlsx)
{
	char *buf = NULL, name[96], disp[128];
	size_t n = 0;
	json_t *o;
	int err;

	if (coverage_build(r, &o))
		return 0;
	err = xlsx ? wfm_coverage_xlsx(o, r->lang[0] == 'e', &buf, &n)
	           : wfm_coverage_csv(o, r->lang[0] == 'e', &buf, &n);
	snprintf(name, sizeof(name), "tackning-%lld-%s.%s",
	         (long long)json_integer_value(json_object_get(o, "group_id")),
	         json_string_value(json_object_get(o, "date")), xlsx ? "xlsx" : "csv");
	json_decref(o);
	if (err)
		return resp_store_error(r, EIO, "export");
	err = resp_text(r, 200,
	                xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	                     : "text/csv; charset=utf-8",
	                buf, n);
	free(buf);
	snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", name);
	if (!err)
		resp_header(r, "Content-Disposition", disp);
	return err;
}

static int coverage_csv(struct req *r)
{
	return coverage_file(r, false);
}

static int coverage_xlsx(struct req *r)
{
	return coverage_file(r, true);
}

/* ======================================================================
 * /wfm/today: the daily steering board
 * ====================================================================== */

/* Today of one group: the plan, the actuals so far and the re-forecast of the rest. */
struct board {
	struct plan pl;
	double offered[SLOTS]; /* calls offered per interval (so far) */
	double ans60[SLOTS];   /* of them answered within 60 s */
	double logged[SLOTS];  /* logged-in agents (average; the current: live) */
	double refc[SLOTS];    /* the forecast, re-forecast from the current interval on */
	struct staffing_interval st[SLOTS]; /* needed on the re-forecast */
	int cur;                            /* the current interval */
	double factor;                      /* re-forecast factor */
	double sum_a, sum_f; /* actual and forecast calls of the intervals already over */
	double day_f;        /* the day's forecast */
};

/* The queue's live count of logged-in agents of `group`, -1 when unknown. */
static double live_logged_in(struct req *r, int64_t group, int64_t now_ms)
{
	json_t *live = NULL;
	double n = -1;

	if (r->app->acd && group <= UINT32_MAX &&
	    acd_host_group_json(r->app->acd, now_ms, (uint32_t)group, &live) == 0) {
		n = (double)json_integer_value(
		        json_object_get(json_object_get(live, "agents"), "logged_in"));
		json_decref(live);
	}
	return n;
}

static int board_build(struct req *r, int64_t group, int64_t now_ms, struct board *bd)
{
	int64_t now = r->now;
	double live = live_logged_in(r, group, now_ms);
	int err;

	memset(bd, 0, sizeof(*bd));
	err = plan_day(r->app->db, group, today(now), now, &bd->pl);
	if (!err)
		err = wfm_actuals(r->app->db, group, bd->pl.from, SLOTS, SLOT_MIN, bd->offered,
		                  bd->ans60, bd->logged);
	if (err)
		return err;
	bd->cur = (int)((now - bd->pl.from) / (SLOT_MIN * 60));
	if (bd->cur < 0)
		bd->cur = 0;
	if (bd->cur >= SLOTS)
		bd->cur = SLOTS - 1;
	if (live >= 0)
		bd->logged[bd->cur] = live;
	/* The re-forecast weighs the intervals already over against their forecast. */
	for (int i = 0; i < SLOTS; i++) {
		bd->day_f += bd->pl.fc[i];
		if (i < bd->cur) {
			bd->sum_a += bd->offered[i];
			bd->sum_f += bd->pl.fc[i];
		}
	}
	bd->factor = schedule_reforecast_factor(bd->sum_a, bd->sum_f, bd->day_f);
	for (int i = 0; i < SLOTS; i++)
		bd->refc[i] = i >= bd->cur ? bd->pl.fc[i] * bd->factor : bd->pl.fc[i];
	if (bd->pl.forecast) {
		err = staffing_plan(bd->refc, SLOTS, &bd->pl.p, bd->st);
		if (err && err != ERANGE)
			return err;
	}
	return 0;
}

/* Needed agents of interval i: staffed on the re-forecast from the current one on. */
static int board_needed(const struct board *bd, int i)
{
	return i >= bd->cur ? bd->st[i].agents : (int)bd->pl.needed[i];
}

static int today_get(struct req *r)
{
	int64_t group = query_group(r, true), now_ms = acd_now_ms();
	double sum_logged = 0, sum_sched = 0, tot_a = 0, tot_60 = 0;
	struct board *bd;
	json_t *list, *o;
	int cur, a, b, err;

	if (r->resp)
		return 0;
	if (!may_plan(r, group))
		return forbidden_group(r);
	if (r->app->acd)
		acd_host_store_rollups(r->app->acd, now_ms);
	bd = malloc(sizeof(*bd));
	if (!bd)
		return resp_store_error(r, ENOMEM, "today");
	err = board_build(r, group, now_ms, bd);
	if (err) {
		free(bd);
		return resp_store_error(r, err, L(r, "dagens plan", "today's plan"));
	}
	cur = bd->cur;
	plan_span(&bd->pl, &a, &b);
	for (int i = 0; i < SLOTS; i++)
		if (bd->offered[i] > 0 || bd->logged[i] > 0.005) {
			if (a == SLOTS || i < a)
				a = i;
			if (i > b)
				b = i;
		}
	list = json_array();
	for (int i = a; i <= b; i++) {
		bool started = i <= cur;
		const double *logged = bd->logged, *sched = bd->pl.sched;
		json_t *row = json_pack("{s:o,s:o,s:o,s:I,s:o,s:b}", "start",
		                        iso(bd->pl.from + (int64_t)i * SLOT_MIN * 60), "forecast",
		                        num(bd->pl.fc[i]), "reforecast",
		                        i >= cur ? num(bd->refc[i]) : json_null(), "needed",
		                        (json_int_t)board_needed(bd, i), "scheduled", num(sched[i]),
		                        "current", i == cur);
		json_object_set_new(row, "actual",
		                    started ? json_integer((json_int_t)bd->offered[i])
		                            : json_null());
		json_object_set_new(row, "logged_in", started ? num(logged[i]) : json_null());
		json_object_set_new(row, "service_level",
		                    started && bd->offered[i] > 0
		                            ? frac(bd->ans60[i] / bd->offered[i])
		                            : json_null());
		json_object_set_new(row, "login_rate",
		                    started && sched[i] > 0.005 ? frac(logged[i] / sched[i])
		                                                : json_null());
		json_array_append_new(list, row);
		if (started) {
			sum_logged += logged[i];
			sum_sched += sched[i];
		}
	}
	for (int i = 0; i <= cur; i++) {
		tot_a += bd->offered[i];
		tot_60 += bd->ans60[i];
	}
	o = json_pack("{s:I,s:o,s:i,s:b,s:o,s:o,s:{s:o,s:o,s:o,s:I,s:o,s:o,s:o,s:o}}", "group_id",
	              (json_int_t)group, "at", iso(r->now), "interval_min", SLOT_MIN,
	              "forecast_available", bd->pl.forecast, "params", params_json(&bd->pl.p),
	              "intervals", list, "totals", "forecast_day", num(bd->day_f),
	              "forecast_so_far", num(bd->sum_f), "actual_so_far",
	              json_integer((json_int_t)bd->sum_a), "actual_today", (json_int_t)tot_a,
	              "reforecast_factor", frac(bd->factor), "reforecast_day",
	              num(bd->sum_a + (bd->day_f - bd->sum_f) * bd->factor), "service_level",
	              tot_a > 0 ? frac(tot_60 / tot_a) : json_null(), "login_rate",
	              sum_sched > 0.005 ? frac(sum_logged / sum_sched) : json_null());
	free(bd);
	return resp_json(r, 200, o);
}

/* GET /api/v1/wfm/summary: the board of every group in a line for the wallboard: the
 * forecast against the actual calls so far today, the agents needed against those logged
 * in now, and the day's login rate. Counts only, no person: every staff member's
 * wallboard shows it. */
static int summary_get(struct req *r)
{
	int64_t now_ms = acd_now_ms();
	uint32_t ids[512];
	size_t n = 0;
	struct board *bd;
	json_t *list = json_array();
	int err = 0;

	if (r->app->acd) {
		acd_host_store_rollups(r->app->acd, now_ms);
		n = acd_host_groups(r->app->acd, ids, 512);
	}
	if (r->who.display_id) {
		/* A wall screen sees the groups it was issued for, no others. */
		int64_t shown[64];
		size_t nshown = 0, kept = 0;
		bool all = false;

		err = auth_display_groups(r->app->db, r->who.display_id, shown, 64, &nshown, &all);
		if (err) {
			json_decref(list);
			return resp_store_error(r, err, "summary");
		}
		for (size_t k = 0; k < n && !all; k++)
			for (size_t i = 0; i < nshown; i++)
				if (shown[i] == (int64_t)ids[k]) {
					ids[kept++] = ids[k];
					break;
				}
		if (!all)
			n = kept;
	}
	bd = malloc(sizeof(*bd));
	if (!bd || !list) {
		free(bd);
		json_decref(list);
		return resp_store_error(r, ENOMEM, "summary");
	}
	for (size_t k = 0; k < n && !err; k++) {
		double sum_logged = 0, sum_sched = 0, part;
		int cur;

		err = board_build(r, ids[k], now_ms, bd);
		if (err)
			break;
		cur = bd->cur;
		for (int i = 0; i <= cur; i++) {
			sum_logged += bd->logged[i];
			sum_sched += bd->pl.sched[i];
		}
		/* The current interval's calls so far count against its forecast pro rata. */
		part = (double)(r->now - bd->pl.from - (int64_t)cur * SLOT_MIN * 60) /
		       (SLOT_MIN * 60);
		part = part < 0 ? 0 : part > 1 ? 1 : part;
		json_array_append_new(
		        list,
		        json_pack("{s:I,s:b,s:o,s:o,s:I,s:o,s:I,s:o,s:o,s:o}", "group_id",
		                  (json_int_t)ids[k], "forecast_available", bd->pl.forecast,
		                  "forecast_day", num(bd->day_f), "forecast_to_now",
		                  num(bd->sum_f + bd->pl.fc[cur] * part), "actual_today",
		                  (json_int_t)(bd->sum_a + bd->offered[cur]), "reforecast_day",
		                  num(bd->sum_a + (bd->day_f - bd->sum_f) * bd->factor),
		                  "needed_now", (json_int_t)board_needed(bd, cur), "scheduled_now",
		                  num(bd->pl.sched[cur]), "logged_in_now", num(bd->logged[cur]),
		                  "login_rate",
		                  sum_sched > 0.005 ? frac(sum_logged / sum_sched) : json_null()));
	}
	free(bd);
	if (err) {
		json_decref(list);
		return resp_store_error(r, err, L(r, "dagens plan", "today's plan"));
	}
	return resp_json(r, 200,
	                 json_pack("{s:o,s:i,s:o}", "at", iso(r->now), "interval_min", SLOT_MIN,
	                           "groups", list));
}

/* ======================================================================
 * /groups/{id}/wfm-targets
 * ====================================================================== */

static const struct staffing_params target_defaults = {
        .target_sl = 0.85, .target_time_s = 60, .shrinkage = 0.15, .max_occupancy = 0.85};

static json_t *targets_json(int64_t group, const struct staffing_params *p, bool stored)
{
	return json_pack("{s:I,s:o,s:i,s:o,s:o,s:b}", "group_id", (json_int_t)group, "target_sl",
	                 frac(p->target_sl), "target_time_s", (int)p->target_time_s,
	                 "max_occupancy", frac(p->max_occupancy), "shrinkage", frac(p->shrinkage),
	                 "default", !stored);
}

/* The group {id}, 404 when there is none; 0 when answered. */
static int64_t path_group(struct req *r)
{
	int64_t g = r->params[0];

	if (!wfm_group_exists(r->app->db, g)) {
		resp_error(
		        r, 404, "not-found", L(r, "Finns inte", "Not found"),
		        L(r, "Svarsgrupp %lld finns inte.", "Response group %lld does not exist."),
		        (long long)g);
		return 0;
	}
	return g;
}

static int targets_get(struct req *r)
{
	struct staffing_params p = target_defaults;
	int64_t group = path_group(r);
	bool stored;
	int err;

	if (!group)
		return 0;
	err = wfm_targets_get(r->app->db, group, &p, &stored);
	if (err)
		return resp_store_error(r, err, L(r, "målen", "the targets"));
	return resp_json(r, 200, targets_json(group, &p, stored));
}

/* A number in [lo, hi] (an integer when `integer`); false with a field error otherwise. */
static bool target_field(struct req *r, const json_t *in, const char *key, double lo, double hi,
                         bool integer, const char *sv, const char *en, struct problem *p,
                         double *out)
{
	const json_t *v = json_object_get(in, key);
	double x;

	if (!v)
		return true;
	x = json_number_value(v);
	if ((integer ? !json_is_integer(v) : !json_is_number(v)) || !(x >= lo && x <= hi)) {
		valid_add(&p->errors, key, "%s", L(r, sv, en));
		return false;
	}
	*out = x;
	return true;
}

/* PUT {target_sl, target_time_s, max_occupancy, shrinkage}: what is left out keeps its
 * value (or the default). */
static int targets_put(struct req *r)
{
	struct staffing_params p = target_defaults;
	int64_t group = path_group(r);
	struct problem pr;
	const char *key;
	json_t *in, *v;
	bool stored;
	int err;

	if (!group)
		return 0;
	if (!may_plan(r, group))
		return forbidden_group(r);
	if (req_json_object(r, &in))
		return 0;
	err = wfm_targets_get(r->app->db, group, &p, &stored);
	if (err) {
		json_decref(in);
		return resp_store_error(r, err, L(r, "målen", "the targets"));
	}
	problem_init(&pr);
	pr.status = 422;
	json_object_foreach(in, key, v)
	{
		if (strcmp(key, "target_sl") && strcmp(key, "target_time_s") &&
		    strcmp(key, "max_occupancy") && strcmp(key, "shrinkage"))
			valid_add(&pr.errors, key, "%s",
			          L(r,
			            "okänt fält; tillåtna: target_sl, target_time_s, "
			            "max_occupancy, shrinkage",
			            "unknown field; accepted: target_sl, target_time_s, "
			            "max_occupancy, shrinkage"));
	}
	/* Service level 50–99 %: 100 % cannot be staffed for; shrinkage below 90 % so the
	 * scheduled count stays finite. */
	target_field(r, in, "target_sl", 0.5, 0.99, false,
	             "ska vara en andel 0,5–0,99 (50–99 % besvarade inom måltiden)",
	             "must be a fraction 0.5–0.99 (50–99 % answered within the target time)", &pr,
	             &p.target_sl);
	target_field(r, in, "target_time_s", 1, 3600, true, "ska vara ett heltal 1–3600 sekunder",
	             "must be an integer 1–3600 seconds", &pr, &p.target_time_s);
	target_field(r, in, "max_occupancy", 0.5, 1, false, "ska vara en andel 0,5–1",
	             "must be a fraction 0.5–1", &pr, &p.max_occupancy);
	target_field(r, in, "shrinkage", 0, 0.9, false, "ska vara en andel 0–0,9",
	             "must be a fraction 0–0.9", &pr, &p.shrinkage);
	json_decref(in);
	if (valid_has_errors(&pr.errors))
		return resp_problem(r, &pr);
	problem_init(&pr);
	/* Four decimals, as the answers show them. */
	p.target_sl = round(p.target_sl * 10000) / 10000;
	p.max_occupancy = round(p.max_occupancy * 10000) / 10000;
	p.shrinkage = round(p.shrinkage * 10000) / 10000;
	err = wfm_targets_put(r->app->db, group, &p);
	if (!err)
		err = audit_record(r->app->db, r->now, r->who.id, "update", "wfm_targets", group,
		                   NULL);
	if (err)
		return resp_store_error(r, err, L(r, "målen", "the targets"));
	return resp_json(r, 200, targets_json(group, &p, true));
}

const struct route api_wfm_routes[] = {
        {"GET", "/api/v1/schedules", ROLES_STAFF, schedules_get},
        {"PUT", "/api/v1/schedules", ROLES_LEADS, schedules_put},
        {"POST", "/api/v1/shifts", ROLES_LEADS, shift_create},
        {"GET", "/api/v1/shifts/{id}", ROLES_STAFF, shift_get},
        {"PATCH", "/api/v1/shifts/{id}", ROLES_LEADS, shift_update},
        {"DELETE", "/api/v1/shifts/{id}", ROLES_LEADS, shift_delete},
        {"GET", "/api/v1/coverage", ROLES_LEADS, coverage_get},
        {"GET", "/api/v1/coverage.csv", ROLES_LEADS, coverage_csv},
        {"GET", "/api/v1/coverage.xlsx", ROLES_LEADS, coverage_xlsx},
        {"GET", "/api/v1/wfm/today", ROLES_LEADS, today_get},
        {"GET", "/api/v1/wfm/summary", ROLES_STAFF | ROLE_WALLBOARD, summary_get},
        {"GET", "/api/v1/groups/{id}/wfm-targets", ROLES_LEADS, targets_get},
        {"PUT", "/api/v1/groups/{id}/wfm-targets", ROLES_LEADS, targets_put},
        {NULL, NULL, 0, NULL},
};
