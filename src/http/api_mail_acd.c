/* /api/v1/mail/queue and /api/v1/mail/items: e-mail waiting in a group's queue, taken and
 * put back by agents; agents' channels (voice, e-mail) under /api/v1/acd/agents. */
#include <errno.h>
#include <string.h>

#include "acdhost/acd_host.h"
#include "core/audit.h"
#include "http/http_int.h"

#define ROLES_PHONES (ROLE_AGENT | ROLE_GROUP_LEAD)

static int unavailable(struct req *r)
{
	return resp_error(r, 503, "queue-unavailable",
	                  L(r, "Kön är inte igång", "Queue not running"), "%s",
	                  L(r, "Köhanteringen startade inte; se serverns logg.",
	                    "The queue engine did not start; see the server log."));
}

static int item_error(struct req *r, int err, int64_t item)
{
	switch (err) {
	case ENOENT:
		return resp_error(r, 404, "not-found", L(r, "Finns inte", "Not found"),
		                  L(r, "Det finns inget e-postärende i kön med id %lld.",
		                    "There is no e-mail item with id %lld."),
		                  (long long)item);
	case EACCES:
		return resp_error(r, 403, "forbidden", L(r, "Ej behörig", "Forbidden"), "%s",
		                  L(r,
		                    "Du hör inte till e-postens svarsgrupp, eller så är det "
		                    "inte du som har den.",
		                    "You are not in the e-mail's response group, or you do not "
		                    "hold it."));
	case EBUSY:
		return resp_error(r, 409, "taken", L(r, "Redan tagen", "Already taken"), "%s",
		                  L(r,
		                    "E-posten är redan tagen av någon annan, eller så har du ett "
		                    "samtal eller en annan e-post just nu.",
		                    "The e-mail is taken by someone else, or you have a call or "
		                    "another e-mail now."));
	case EALREADY:
		return resp_error(
		        r, 409, "answered", L(r, "Redan besvarad", "Already answered"), "%s",
		        L(r, "Ärendet är redan besvarat.", "The case is already answered."));
	case EPERM:
		return resp_error(r, 409, "wrong-state", L(r, "Går inte nu", "Not possible now"),
		                  "%s",
		                  L(r,
		                    "Logga in i kön först, eller: e-posten väntar redan och kan "
		                    "inte läggas tillbaka.",
		                    "Log in to the queue first, or: the e-mail already waits and "
		                    "cannot be put back."));
	default:
		return resp_store_error(r, err, "mail item");
	}
}

/* GET /api/v1/mail/queue?group=ID: agents see their own groups' queues; leads, managers
 * and administrators any group's. The senders are personal data: the read is audited. */
static int queue(struct req *r)
{
	int64_t group = 0;
	json_t *o;
	int err;

	if (req_query_int(r, "group", &group))
		return 0;
	if (!req_query(r, "group") || group <= 0 || group > UINT32_MAX)
		return req_query_bad(r, "group", "%s",
		                     L(r, "ange svarsgruppens id, ?group=ID",
		                       "give the response group's id, ?group=ID"));
	if (!r->app->acd)
		return unavailable(r);
	if ((r->who.role & ROLES_LEADS) == 0 &&
	    !acd_host_mail_member(r->app->acd, r->who.id, group))
		return resp_error(r, 403, "forbidden", L(r, "Ej behörig", "Forbidden"), "%s",
		                  L(r, "Du hör inte till den svarsgruppen.",
		                    "You are not in that response group."));
	err = acd_host_mail_queue_json(r->app->acd, (uint32_t)group, acd_now_ms(), &o);
	if (err == ENOENT)
		return resp_error(r, 404, "not-found", L(r, "Finns inte", "Not found"),
		                  L(r, "Det finns ingen svarsgrupp med id %lld i kön.",
		                    "There is no response group with id %lld in the queue."),
		                  (long long)group);
	if (err)
		return resp_store_error(r, err, "mail queue");
	err = audit_record(r->app->db, r->now, r->who.id, "read", "mail_queue", group, NULL);
	if (err) {
		json_decref(o);
		return resp_store_error(r, err, "audit");
	}
	return resp_json(r, 200, o);
}

/* The item after an act, as the desk shows it. */
static int item_answer(struct req *r, int64_t item)
{
	json_t *o;
	int err = acd_host_mail_item_json(r->app->acd, item, acd_now_ms(), &o);

	if (err)
		return item_error(r, err, item);
	return resp_json(r, 200, o);
}

/* A POST that takes no body: anything but nothing or {} is refused. */
static bool empty_body(struct req *r)
{
	json_t *in;

	if (r->body_len == 0)
		return true;
	if (req_json_object(r, &in))
		return false;
	if (json_object_size(in) != 0) {
		json_decref(in);
		resp_error(r, 422, "validation", L(r, "Okänt fält", "Unknown field"), "%s",
		           L(r, "Anropet tar inga fält.", "The request takes no fields."));
		return false;
	}
	json_decref(in);
	return true;
}

static int item_get(struct req *r)
{
	json_t *o;
	int err;

	if (!r->app->acd)
		return unavailable(r);
	err = acd_host_mail_item_json(r->app->acd, r->params[0], acd_now_ms(), &o);
	if (err)
		return item_error(r, err, r->params[0]);
	if ((r->who.role & ROLES_LEADS) == 0 &&
	    !acd_host_mail_member(r->app->acd, r->who.id,
	                          json_integer_value(json_object_get(o, "group_id")))) {
		json_decref(o);
		return item_error(r, EACCES, r->params[0]);
	}
	err = audit_record(r->app->db, r->now, r->who.id, "read", "mail_item", r->params[0], NULL);
	if (err) {
		json_decref(o);
		return resp_store_error(r, err, "audit");
	}
	return resp_json(r, 200, o);
}

/* POST /api/v1/mail/items/{id}/take: the calling agent takes it (or accepts its offer). */
static int item_take(struct req *r)
{
	int err;

	if (!empty_body(r))
		return 0;
	if (!r->app->acd)
		return unavailable(r);
	err = acd_host_mail_take(r->app->acd, r->params[0], (uint32_t)r->who.id, acd_now_ms());
	if (err)
		return item_error(r, err, r->params[0]);
	return item_answer(r, r->params[0]);
}

/* POST /api/v1/mail/items/{id}/release: put back (or decline the offer). */
static int item_release(struct req *r)
{
	int err;

	if (!empty_body(r))
		return 0;
	if (!r->app->acd)
		return unavailable(r);
	err = acd_host_mail_release(r->app->acd, r->params[0], (uint32_t)r->who.id, acd_now_ms());
	if (err)
		return item_error(r, err, r->params[0]);
	return item_answer(r, r->params[0]);
}

/* PUT /api/v1/acd/agents/{id32}/channels {"voice": true, "email": true}. */
static int agent_channels(struct req *r)
{
	struct problem p;
	json_t *in, *v, *e;
	const char *k;
	json_t *x;
	unsigned ch = 0;
	int err;

	if (req_json_object(r, &in))
		return 0;
	problem_init(&p);
	p.status = 422;
	json_object_foreach(in, k, x) if (strcmp(k, "voice") != 0 && strcmp(k, "email") != 0)
	        valid_add(&p.errors, k, "%s",
	                  L(r, "okänt fält; tillåtna: voice, email",
	                    "unknown field; accepted: voice, email"));
	v = json_object_get(in, "voice");
	e = json_object_get(in, "email");
	if (!v || !json_is_boolean(v))
		valid_add(&p.errors, "voice", "%s",
		          L(r, "ska vara true eller false", "must be true or false"));
	if (!e || !json_is_boolean(e))
		valid_add(&p.errors, "email", "%s",
		          L(r, "ska vara true eller false", "must be true or false"));
	if (!valid_has_errors(&p.errors) && !json_is_true(v) && !json_is_true(e))
		valid_add(&p.errors, "voice", "%s",
		          L(r, "minst en kanal måste vara på", "at least one channel must be on"));
	ch = (json_is_true(v) ? ACD_CHANNEL_VOICE : 0) | (json_is_true(e) ? ACD_CHANNEL_EMAIL : 0);
	json_decref(in);
	if (valid_has_errors(&p.errors))
		return resp_problem(r, &p);
	valid_free(&p.errors);
	if (!r->app->acd)
		return unavailable(r);
	err = acd_host_agent_channels(r->app->acd, (uint32_t)r->params[0], ch);
	if (err == ENOENT)
		return resp_error(r, 404, "not-found", L(r, "Finns inte", "Not found"),
		                  L(r, "Det finns ingen användare med id %lld.",
		                    "There is no user with id %lld."),
		                  (long long)r->params[0]);
	if (err)
		return resp_store_error(r, err, "agent");
	return resp_json(r, 200,
	                 json_pack("{s:I,s:{s:b,s:b}}", "agent_id", (json_int_t)r->params[0],
	                           "channels", "voice", (ch & ACD_CHANNEL_VOICE) != 0, "email",
	                           (ch & ACD_CHANNEL_EMAIL) != 0));
}

const struct route api_mail_acd_routes[] = {
        {"GET", "/api/v1/mail/queue", ROLES_STAFF | ROUTE_QUEUE, queue},
        {"GET", "/api/v1/mail/items/{id}", ROLES_STAFF | ROUTE_QUEUE, item_get},
        {"POST", "/api/v1/mail/items/{id}/take", ROLES_PHONES | ROUTE_QUEUE, item_take},
        {"POST", "/api/v1/mail/items/{id}/release", ROLES_PHONES | ROUTE_QUEUE, item_release},
        {"PUT", "/api/v1/acd/agents/{id32}/channels", ROLES_LEADS | ROUTE_QUEUE, agent_channels},
        {NULL, NULL, 0, NULL},
};
