/* /api/v1/acd: agent states, queue snapshots and their event stream, interval statistics,
 * the event log, and the test entry that lets the web app and the tests drive the queue
 * with calls before (and besides) SIP. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "acd/acd.h"
#include "acdhost/acd_host.h"
#include "acdhost/acd_store.h"
#include "core/audit.h"
#include "core/auth.h"
#include "base/calendar.h"
#include "base/contact.h"
#include "http/http_int.h"
#include "tel/tel.h"
#include "store/db.h"
#include "wfm/wfm_store.h"
#include "tel/tel_store.h"

#define ROLES_PHONES (ROLE_AGENT | ROLE_GROUP_LEAD)

static struct acd_host *host(struct req *r)
{
	return r->app->acd;
}

static int unavailable(struct req *r)
{
	return resp_error(r, 503, "queue-unavailable",
	                  L(r, "Kön är inte igång", "Queue not running"), "%s",
	                  L(r, "Köhanteringen startade inte; se serverns logg.",
	                    "The queue engine did not start; see the server log."));
}

/* Map an engine error for `what` to a response. */
static int engine_error(struct req *r, int err, const char *what_sv, const char *what_en)
{
	switch (err) {
	case ENOENT:
		return resp_error(r, 404, "not-found", L(r, "Finns inte", "Not found"),
		                  L(r, "Okänt %s.", "Unknown %s."), L(r, what_sv, what_en));
	case EPERM:
		return resp_error(r, 409, "wrong-state", L(r, "Går inte nu", "Not possible now"),
		                  L(r, "Det går inte i det läge %s är i nu.",
		                    "Not possible in the state the %s is in now."),
		                  L(r, what_sv, what_en));
	case EINVAL:
		return resp_error(r, 422, "validation", L(r, "Ogiltigt värde", "Invalid value"),
		                  L(r, "Ogiltigt värde för %s.", "Invalid value for %s."),
		                  L(r, what_sv, what_en));
	default:
		return resp_store_error(r, err, "acd");
	}
}

/* After feeding the engine: store and publish what it did. */
static int flushed(struct req *r, int64_t now)
{
	int err = acd_host_flush(host(r), now);

	if (err)
		return resp_error(r, 503, "storage",
		                  L(r, "Lagringen misslyckades", "Storage failed"), "%s",
		                  L(r, "Köhändelserna kunde inte sparas.",
		                    "The queue events could not be stored."));
	return 0;
}

/* ======================================================================
 * Groups
 * ====================================================================== */

/* A group id from a request body: the engine numbers groups in 32 bits, so a larger
 * value names no group (rather than the one its low bits would). */
static bool group_known(struct req *r, const json_t *x)
{
	json_int_t v = json_is_integer(x) ? json_integer_value(x) : 0;

	return v > 0 && v <= UINT32_MAX && acd_host_has_group(host(r), (uint32_t)v);
}

static int groups_list(struct req *r)
{
	uint32_t ids[512];
	size_t n;
	int64_t now = acd_now_ms();
	struct page pg;
	json_t *list;

	if (req_query_page(r, 100, 1000, &pg))
		return 0;
	if (!host(r))
		return unavailable(r);
	n = acd_host_groups(host(r), ids, 512);
	list = json_array();
	for (size_t i = 0; i < n && i < 512; i++) {
		json_t *g;
		if (acd_host_group_json(host(r), now, ids[i], &g) == 0)
			json_array_append_new(list, g);
	}
	return resp_list_slice(r, list, &pg);
}

static int group_get(struct req *r)
{
	json_t *g;
	int err;

	if (!host(r))
		return unavailable(r);
	err = acd_host_group_json(host(r), acd_now_ms(), (uint32_t)r->params[0], &g);
	if (err)
		return engine_error(r, err, "svarsgrupp", "group");
	return resp_json(r, 200, g);
}

/* ======================================================================
 * Agents
 * ====================================================================== */

struct agents_walk {
	struct acd_host *host;
	int64_t now;
	json_t *list;
};

static int agent_h(int64_t id, const char *display_name, void *arg)
{
	struct agents_walk *w = arg;
	json_t *a;

	if (acd_host_agent_json(w->host, w->now, (uint32_t)id, &a) != 0)
		return 0;
	json_object_set_new(a, "name", json_string(display_name));
	json_array_append_new(w->list, a);
	return 0;
}

static int agents_list(struct req *r)
{
	struct agents_walk w = {host(r), acd_now_ms(), NULL};
	struct page pg;
	int err;

	if (req_query_page(r, 100, 1000, &pg))
		return 0;
	if (!host(r))
		return unavailable(r);
	w.list = json_array();
	err = auth_phone_users_each(r->app->db, agent_h, &w);
	if (err) {
		json_decref(w.list);
		return resp_store_error(r, err, "users");
	}
	return resp_list_slice(r, w.list, &pg);
}

static int agent_show(struct req *r, int64_t id)
{
	json_t *a;
	int err = acd_host_agent_json(host(r), acd_now_ms(), (uint32_t)id, &a);

	if (err == ENOENT)
		return resp_error(r, 404, "not-found", L(r, "Finns inte", "Not found"),
		                  L(r, "Användare %lld svarar inte i någon svarsgrupp.",
		                    "User %lld answers in no response group."),
		                  (long long)id);
	if (err)
		return engine_error(r, err, "agent", "agent");
	return resp_json(r, 200, a);
}

static int agent_me(struct req *r)
{
	if (!host(r))
		return unavailable(r);
	return agent_show(r, r->who.id);
}

static int agent_get(struct req *r)
{
	if (!host(r))
		return unavailable(r);
	return agent_show(r, r->params[0]);
}

/* {"state":"logged_in"|"ready"|"paused"|"logged_out", "reason":"meeting"|…} */
static int agent_set_state(struct req *r, int64_t id)
{
	static const char *const states[] = {"logged_in", "ready", "paused", "logged_out", NULL};
	struct acd *e;
	enum acd_pause_reason why = ACD_PAUSE_OTHER;
	const char *st, *reason;
	int64_t now = acd_now_ms();
	json_t *in;
	int err, k;

	if (!host(r))
		return unavailable(r);
	if (req_json_object(r, &in))
		return 0;
	st = json_string_value(json_object_get(in, "state"));
	reason = json_string_value(json_object_get(in, "reason"));
	for (k = 0; st && states[k] && strcmp(states[k], st) != 0; k++)
		;
	if (!st || !states[k]) {
		struct problem p;
		problem_init(&p);
		p.status = 422;
		valid_add(&p.errors, "state", "%s",
		          L(r, "ska vara logged_in, ready, paused eller logged_out",
		            "must be logged_in, ready, paused or logged_out"));
		json_decref(in);
		return resp_problem(r, &p);
	}
	if (json_object_get(in, "reason") &&
	    (!reason || acd_pause_reason_parse(reason, &why) != 0 || why == ACD_PAUSE_NO_ANSWER)) {
		struct problem p;
		problem_init(&p);
		p.status = 422;
		valid_add(&p.errors, "reason", "%s",
		          L(r, "ska vara meeting, training, email, break eller other",
		            "must be meeting, training, email, break or other"));
		json_decref(in);
		return resp_problem(r, &p);
	}
	e = acd_host_engine(host(r), now);
	/* Asking for the state one is in (a second click on "Redo") changes nothing. */
	struct acd_agent_info ai;
	if (acd_agent_info(e, (uint32_t)id, &ai) == 0 &&
	    ((k == 0 && ai.state != ACD_AGENT_LOGGED_OUT) ||
	     (k == 1 && ai.state == ACD_AGENT_READY) ||
	     (k == 2 && ai.state == ACD_AGENT_PAUSED && ai.pause == why) ||
	     (k == 3 && ai.state == ACD_AGENT_LOGGED_OUT))) {
		json_decref(in);
		return agent_show(r, id);
	}
	switch (k) {
	case 0:
		err = acd_agent_login(e, now, (uint32_t)id);
		break;
	case 1:
		err = acd_agent_ready(e, now, (uint32_t)id);
		break;
	case 2:
		err = acd_agent_pause(e, now, (uint32_t)id, why);
		break;
	default:
		err = acd_agent_logout(e, now, (uint32_t)id);
		break;
	}
	json_decref(in);
	if (err == ENOENT)
		return agent_show(r, id);
	if (err)
		return engine_error(r, err, "agenten", "agent");
	if (flushed(r, now))
		return 0;
	return agent_show(r, id);
}

static int agent_me_state(struct req *r)
{
	return agent_set_state(r, r->who.id);
}

/* A group lead may log out an agent who left, or put one in pause. */
static int agent_state(struct req *r)
{
	return agent_set_state(r, r->params[0]);
}

/* ======================================================================
 * Calls
 * ====================================================================== */

/* The test entry: {"group_id":N | "entry":"08-…", "ivr":"1,2", "caller":"070-…", "urgent":false} */
static int call_inject(struct req *r)
{
	struct acd_call_in ci;
	struct problem p;
	const char *entry, *ivr, *caller;
	json_t *in, *gid, *urgent, *menu = NULL;
	int64_t now = acd_now_ms(), group = 0;
	uint64_t id;
	int err;

	if (!host(r))
		return unavailable(r);
	if (req_json_object(r, &in))
		return 0;
	problem_init(&p);
	p.status = 422;
	memset(&ci, 0, sizeof(ci));
	gid = json_object_get(in, "group_id");
	entry = json_string_value(json_object_get(in, "entry"));
	ivr = json_string_value(json_object_get(in, "ivr"));
	caller = json_string_value(json_object_get(in, "caller"));
	urgent = json_object_get(in, "urgent");
	if (gid && !group_known(r, gid))
		valid_add(&p.errors, "group_id", "%s",
		          L(r, "finns inte som svarsgrupp", "is not a response group"));
	else if (gid)
		group = json_integer_value(gid);
	if (json_object_get(in, "entry") && (!entry || strlen(entry) >= ACD_NUMBER_MAX))
		valid_add(&p.errors, "entry", "%s",
		          L(r, "ska vara ett telefonnummer", "must be a phone number"));
	if (entry && !group) {
		char norm[ACD_NUMBER_MAX];
		if (contact_phone_normalize(entry, norm, sizeof(norm)) == 0) {
			group = tel_store_entry_group(r->app->db, norm);
			menu = group ? tel_store_entry_menu(r->app->db, norm) : NULL;
		}
		if (!group)
			valid_add(&p.errors, "entry", "%s",
			          L(r, "leder inte till någon svarsgrupp",
			            "leads to no response group"));
	}
	if (!gid && !entry)
		valid_add(&p.errors, "group_id", "%s",
		          L(r, "ange group_id eller entry", "give group_id or entry"));
	if (json_object_get(in, "ivr") && (!ivr || strlen(ivr) >= ACD_IVR_MAX))
		valid_add(&p.errors, "ivr", "%s",
		          L(r, "ska vara menyval, t.ex. \"1,2\"",
		            "must be menu choices, e.g. \"1,2\""));
	/* The entry number's menu leads the keys where a caller pressing them would go. */
	if (menu && !valid_has_errors(&p.errors)) {
		uint32_t to;
		size_t bad = 0;

		if (tel_menu_follow(menu, ivr ? ivr : "", (uint32_t)group, &to, &bad) != 0) {
			/* ivr lives in `in`: the key is copied out before it goes. */
			char key = ivr[bad] > ' ' && ivr[bad] < 0x7f ? ivr[bad] : '?';

			json_decref(menu);
			json_decref(in);
			problem_init(&p);
			p.status = 400;
			valid_add(
			        &p.errors, "ivr",
			        L(r, "menyn har inget val för tecken %zu (%c); val är 0–9, * och #",
			          "the menu has no option for character %zu (%c); keys are 0–9, * "
			          "and #"),
			        bad + 1, key);
			return resp_problem(r, &p);
		}
		group = to;
	}
	json_decref(menu);
	if (json_object_get(in, "caller")) {
		if (!caller || contact_phone_normalize(caller, ci.caller, sizeof(ci.caller)) != 0)
			valid_add(&p.errors, "caller", "%s",
			          L(r, "ska vara ett telefonnummer", "must be a phone number"));
	}
	if (urgent && !json_is_boolean(urgent))
		valid_add(&p.errors, "urgent", "%s",
		          L(r, "ska vara true eller false", "must be true or false"));
	if (valid_has_errors(&p.errors)) {
		json_decref(in);
		return resp_problem(r, &p);
	}
	ci.group = (uint32_t)group;
	if (entry)
		snprintf(ci.entry, sizeof(ci.entry), "%s", entry);
	if (ivr)
		snprintf(ci.ivr, sizeof(ci.ivr), "%s", ivr);
	ci.urgent = json_is_true(urgent);
	json_decref(in);
	err = acd_call_arrive(acd_host_engine(host(r), now), now, &ci, &id);
	if (err)
		return engine_error(r, err, "svarsgrupp", "group");
	if (flushed(r, now))
		return 0;
	json_t *o;
	if (acd_host_call_json(host(r), now, acd_host_call_id(host(r), id), &o) != 0)
		/* Closed or forwarded at once: the call is already gone. */
		o = json_pack("{s:I,s:b}", "call_id", (json_int_t)acd_host_call_id(host(r), id),
		              "ended", 1);
	return resp_json(r, 201, o);
}

/* The call and what the engine knows of it; an agent sees only a call offered to or
 * talking with them. */
static int call_lookup(struct req *r, int64_t now, uint64_t *eid, struct acd_call_info *ci)
{
	if (acd_host_call_engine_id(host(r), r->params[0], eid) != 0 ||
	    acd_call_info(acd_host_engine(host(r), now), *eid, ci) != 0) {
		engine_error(r, ENOENT, "samtal", "call");
		return ENOENT;
	}
	if (r->who.role == ROLE_AGENT && ci->agent != (uint32_t)r->who.id) {
		resp_error(r, 403, "forbidden", L(r, "Ej behörig", "Forbidden"), "%s",
		           L(r, "Samtalet är inte ditt.", "The call is not yours."));
		return EPERM;
	}
	return 0;
}

/* A colleague consults the agent about the call, or handed its caller over to them: the
 * consulted agent's desk sees the call too, and who consults ("consulted_by"). */
static int call_get_consulted(struct req *r, int64_t now, uint32_t by, bool handed)
{
	json_t *o = NULL, *u = NULL;
	int err;

	if (handed)
		err = tel_handed_json(r->app->tel, r->params[0], (uint32_t)r->who.id, &o);
	else if (!(err = acd_host_call_json(host(r), now, r->params[0], &o)))
		tel_call_json(r->app->tel, r->params[0], o);
	if (err)
		return engine_error(r, err == ENOMEM ? err : ENOENT, "samtal", "call");
	if (auth_user_json(r->app->db, by, &u) != 0)
		u = NULL;
	json_object_set_new(
	        o, "consulted_by",
	        json_pack("{s:i,s:s}", "agent_id", (int)by, "name",
	                  json_string_value(json_object_get(u, "display_name"))
	                          ? json_string_value(json_object_get(u, "display_name"))
	                          : ""));
	json_decref(u);
	/* The caller's number is personal data, read here as on the offered call. */
	if (json_is_string(json_object_get(o, "caller")) &&
	    audit_record(r->app->db, r->now, r->who.id, "read", "call", r->params[0],
	                 "caller number (consulted)")) {
		json_decref(o);
		return resp_store_error(r, EIO, "audit");
	}
	return resp_json(r, 200, o);
}

static int call_get(struct req *r)
{
	struct acd_call_info ci;
	uint64_t eid;
	int64_t now = acd_now_ms();
	uint32_t by = 0;
	bool handed = false;
	json_t *o;
	int err;

	if (!host(r))
		return unavailable(r);
	if (r->who.role == ROLE_AGENT &&
	    tel_consulted(r->app->tel, r->params[0], (uint32_t)r->who.id, &by, &handed) == 0)
		return call_get_consulted(r, now, by, handed);
	if (call_lookup(r, now, &eid, &ci))
		return 0;
	err = acd_host_call_json(host(r), now, r->params[0], &o);
	if (err)
		return engine_error(r, err, "samtal", "call");
	tel_call_json(r->app->tel, r->params[0], o); /* the language asked for, the note */
	/* The caller's number is personal data. */
	if (ci.caller[0] && audit_record(r->app->db, r->now, r->who.id, "read", "call",
	                                 r->params[0], "caller number")) {
		json_decref(o);
		return resp_store_error(r, EIO, "audit");
	}
	return resp_json(r, 200, o);
}

enum call_op { OP_ANSWER, OP_REJECT, OP_HANGUP, OP_TRANSFER, OP_CALLBACK, OP_CALLBACK_RESULT };

static int call_op(struct req *r, enum call_op op)
{
	struct acd_call_info ci;
	struct acd *e;
	uint64_t eid;
	int64_t now = acd_now_ms();
	json_t *in = NULL, *o;
	int err;

	if (!host(r))
		return unavailable(r);
	/* What only the caller's side does (hang up while queued, accept a callback, the
	 * dialler's result) comes from the test entry: an admin. */
	if ((op == OP_CALLBACK || op == OP_CALLBACK_RESULT) && r->who.role != ROLE_ADMIN)
		return resp_error(
		        r, 403, "forbidden", L(r, "Ej behörig", "Forbidden"), "%s",
		        L(r, "Bara testingången (administratör) gör det som uppringaren gör.",
		          "Only the test entry (an admin) acts for the caller."));
	if (op == OP_HANGUP && r->who.role == ROLE_AGENT &&
	    tel_handed_hangup(r->app->tel, r->params[0], (uint32_t)r->who.id) == 0)
		/* A caller a colleague handed over by consultation: the queue no longer has it. */
		return resp_json(
		        r, 200,
		        json_pack("{s:I,s:b}", "call_id", (json_int_t)r->params[0], "ended", 1));
	if (call_lookup(r, now, &eid, &ci))
		return 0;
	if (op == OP_HANGUP && r->who.role != ROLE_ADMIN && !ci.talking)
		return engine_error(r, EPERM, "samtalet", "call");
	e = acd_host_engine(host(r), now);
	if (op == OP_TRANSFER || op == OP_CALLBACK_RESULT) {
		json_t *x;
		if (req_json_object(r, &in))
			return 0;
		x = json_object_get(in, op == OP_TRANSFER ? "group_id" : "answered");
		if (op == OP_TRANSFER && !group_known(r, x)) {
			struct problem p;
			problem_init(&p);
			p.status = 422;
			valid_add(&p.errors, "group_id", "%s",
			          L(r, "finns inte som svarsgrupp", "is not a response group"));
			json_decref(in);
			return resp_problem(r, &p);
		}
		x = json_object_get(in, "note");
		if (op == OP_TRANSFER && x &&
		    (!json_is_string(x) || strlen(json_string_value(x)) >= TEL_NOTE_MAX)) {
			struct problem p;
			problem_init(&p);
			p.status = 422;
			valid_add(&p.errors, "note", "%s",
			          L(r, "ska vara text, högst 511 byte",
			            "must be text, at most 511 bytes"));
			json_decref(in);
			return resp_problem(r, &p);
		}
		x = json_object_get(in, op == OP_TRANSFER ? "group_id" : "answered");
		if (op == OP_CALLBACK_RESULT && !json_is_boolean(x)) {
			struct problem p;
			problem_init(&p);
			p.status = 422;
			valid_add(&p.errors, "answered", "%s",
			          L(r, "ska vara true eller false", "must be true or false"));
			json_decref(in);
			return resp_problem(r, &p);
		}
	}
	switch (op) {
	case OP_ANSWER:
		err = acd_call_answer(e, now, eid);
		break;
	case OP_REJECT:
		err = acd_call_reject(e, now, eid);
		break;
	case OP_HANGUP:
		err = acd_call_hangup(e, now, eid);
		break;
	case OP_TRANSFER:
		err = acd_call_transfer(
		        e, now, eid, (uint32_t)json_integer_value(json_object_get(in, "group_id")));
		/* The note follows the call to the next agent's phone and its record. */
		if (!err && r->app->tel)
			(void)tel_note(r->app->tel, r->params[0],
			               json_string_value(json_object_get(in, "note")));
		break;
	case OP_CALLBACK:
		err = acd_callback_accept(e, now, eid);
		break;
	default:
		err = acd_callback_result(e, now, eid,
		                          json_is_true(json_object_get(in, "answered")));
		break;
	}
	json_decref(in);
	if (err)
		return engine_error(r, err, "samtalet", "call");
	if (flushed(r, now))
		return 0;
	if (acd_host_call_json(host(r), now, r->params[0], &o) != 0)
		o = json_pack("{s:I,s:b}", "call_id", (json_int_t)r->params[0], "ended", 1);
	return resp_json(r, 200, o);
}

static int call_answer(struct req *r)
{
	return call_op(r, OP_ANSWER);
}
static int call_reject(struct req *r)
{
	return call_op(r, OP_REJECT);
}
static int call_hangup(struct req *r)
{
	return call_op(r, OP_HANGUP);
}
static int call_transfer(struct req *r)
{
	return call_op(r, OP_TRANSFER);
}
static int call_callback(struct req *r)
{
	return call_op(r, OP_CALLBACK);
}
static int call_callback_result(struct req *r)
{
	return call_op(r, OP_CALLBACK_RESULT);
}

/* ======================================================================
 * Statistics, events, stream
 * ====================================================================== */

/* ?group_id=&from=&to= (default: today, Stockholm time). */
static int intervals(struct req *r)
{
	int64_t group = 0, now = acd_now_ms(), from, to;
	struct local_time lt;
	json_t *o;
	int err;

	calendar_local_from_utc(now / 1000, &lt);
	if (calendar_local_to_utc(&lt.date, 0, 0, &from) != 0)
		from = now / 1000;
	from *= 1000;
	to = from + 24 * 3600 * 1000LL;
	if (req_query_max(r, "group_id", UINT32_MAX, &group) ||
	    req_query_time_ms(r, "from", &from) || req_query_time_ms(r, "to", &to))
		return 0;
	if (to <= from)
		return resp_error(r, 400, "bad-query", L(r, "Felaktig parameter", "Bad parameter"),
		                  "%s", L(r, "to ska vara efter from.", "to must be after from."));
	if (host(r))
		acd_host_store_rollups(host(r), now);
	err = acd_store_intervals(r->app->db, (uint32_t)group, from, to, &o);
	if (err)
		return resp_store_error(r, err, "acd");
	/* Login rate: agent time logged in over the time the schedules put on the phones
	 * (shifts minus breaks, meetings and absence); null without scheduled time. */
	{
		json_t *ag = json_object_get(o, "agents");
		double sched = 0;
		if (ag &&
		    wfm_scheduled_seconds(r->app->db, group, from / 1000, to / 1000, &sched) == 0 &&
		    sched > 0.5)
			json_object_set_new(ag, "login_rate",
			                    json_real(round(json_number_value(json_object_get(
			                                            ag, "logged_in_s")) /
			                                    sched * 10000) /
			                              10000));
	}
	return resp_json(r, 200, o);
}

static int events(struct req *r)
{
	struct page pg;
	int64_t after = 0;
	json_t *o;
	int err;

	if (req_query_int(r, "after_id", &after) || req_query_page(r, 500, 5000, &pg))
		return 0;
	err = acd_store_events(r->app->db, after, pg.limit, pg.offset, &o, &pg.total);
	if (err)
		return resp_store_error(r, err, "acd");
	json_object_set_new(o, "total", json_integer(pg.total));
	json_object_set_new(o, "limit", json_integer(pg.limit));
	json_object_set_new(o, "offset", json_integer(pg.offset));
	return resp_json(r, 200, o);
}

static int stream(struct req *r)
{
	if (sse_open(r, r->sse) != 0)
		return resp_error(r, 503, "busy", L(r, "Upptagen", "Busy"), "%s",
		                  L(r, "Försök igen.", "Try again."));
	return 0;
}

static int reload(struct req *r)
{
	int64_t now = acd_now_ms();

	if (!host(r))
		return unavailable(r);
	if (acd_host_reload(host(r), now) != 0)
		return resp_store_error(r, EIO, "acd");
	return groups_list(r);
}

const struct route api_acd_routes[] = {
        {"GET", "/api/v1/acd/groups", ROLES_STAFF | ROUTE_QUEUE, groups_list},
        {"GET", "/api/v1/acd/groups/{id32}", ROLES_STAFF | ROUTE_QUEUE, group_get},
        {"GET", "/api/v1/acd/agents", ROLES_LEADS | ROUTE_QUEUE, agents_list},
        {"GET", "/api/v1/acd/agents/me", ROLES_STAFF | ROUTE_QUEUE, agent_me},
        {"GET", "/api/v1/acd/agents/{id32}", ROLES_LEADS | ROUTE_QUEUE, agent_get},
        {"POST", "/api/v1/acd/agents/me/state", ROLES_PHONES | ROUTE_QUEUE, agent_me_state},
        {"POST", "/api/v1/acd/agents/{id32}/state", ROLES_LEADS | ROUTE_QUEUE, agent_state},
        {"POST", "/api/v1/acd/calls", ROLE_ADMIN | ROUTE_QUEUE, call_inject},
        {"GET", "/api/v1/acd/calls/{id}", ROLES_STAFF | ROUTE_QUEUE, call_get},
        {"POST", "/api/v1/acd/calls/{id}/answer", ROLES_PHONES | ROUTE_QUEUE, call_answer},
        {"POST", "/api/v1/acd/calls/{id}/reject", ROLES_PHONES | ROUTE_QUEUE, call_reject},
        {"POST", "/api/v1/acd/calls/{id}/hangup", ROLES_PHONES | ROLE_ADMIN | ROUTE_QUEUE,
         call_hangup},
        {"POST", "/api/v1/acd/calls/{id}/transfer", ROLES_PHONES | ROUTE_QUEUE, call_transfer},
        {"POST", "/api/v1/acd/calls/{id}/callback", ROLE_ADMIN | ROUTE_QUEUE, call_callback},
        {"POST", "/api/v1/acd/calls/{id}/callback-result", ROLE_ADMIN | ROUTE_QUEUE,
         call_callback_result},
        {"GET", "/api/v1/acd/intervals", ROLES_LEADS, intervals},
        {"GET", "/api/v1/acd/events", ROLE_MANAGER | ROLE_ADMIN, events},
        {"GET", "/api/v1/acd/stream", ROLES_STAFF | ROLE_WALLBOARD, stream},
        {"POST", "/api/v1/acd/reload", ROLE_ADMIN | ROUTE_QUEUE, reload},
        {NULL, NULL, 0, NULL},
};
