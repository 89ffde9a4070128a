/* /api/v1/calls and /api/v1/surveys: telephony's call records, recording on request, and
 * post-call survey answers. */
#include <errno.h>
#include <string.h>

#include "acd/acd.h"
#include "acdhost/acd_host.h"
#include "core/audit.h"
#include "base/calendar.h"
#include "http/http_int.h"
#include "tel/tel.h"
#include "tel/tel_store.h"

#define DAY_MS (24 * 3600 * 1000LL)

/* ?from=&to=&group_id= (default: the last 24 hours), ?limit=&offset=. */
static int range(struct req *r, struct tel_range *q, struct page *pg)
{
	int64_t group = 0;

	q->to_ms = acd_now_ms() + 1000;
	q->from_ms = q->to_ms - DAY_MS;
	if (req_query_max(r, "group_id", UINT32_MAX, &group) ||
	    req_query_time_ms(r, "from", &q->from_ms) || req_query_time_ms(r, "to", &q->to_ms) ||
	    req_query_page(r, 100, 1000, pg))
		return EINVAL;
	if (q->to_ms <= q->from_ms) {
		resp_error(r, 400, "bad-query", L(r, "Felaktig parameter", "Bad parameter"), "%s",
		           L(r, "to ska vara efter from.", "to must be after from."));
		return EINVAL;
	}
	q->group = (uint32_t)group;
	q->limit = pg->limit;
	q->offset = pg->offset;
	return 0;
}

static int calls_list(struct req *r)
{
	struct tel_range q;
	struct page pg;
	json_t *items;
	int err;

	if (range(r, &q, &pg))
		return 0;
	err = tel_store_calls_json(r->app->db, &q, &items, &pg.total);
	if (err)
		return resp_store_error(r, err, "calls");
	/* Caller numbers are personal data. */
	if (audit_record(r->app->db, r->now, r->who.id, "list", "call", 0, "call records")) {
		json_decref(items);
		return resp_store_error(r, EIO, "audit");
	}
	return resp_list(r, items, &pg);
}

static int answers_list(struct req *r)
{
	struct tel_range q;
	struct page pg;
	json_t *items;
	int err;

	if (range(r, &q, &pg))
		return 0;
	err = tel_store_answers_json(r->app->db, &q, &items, &pg.total);
	if (err)
		return resp_store_error(r, err, "survey answers");
	return resp_list(r, items, &pg);
}

static int call_record(struct req *r)
{
	int err;

	if (!r->app->tel)
		return resp_error(r, 503, "unavailable", L(r, "Ej tillgängligt", "Unavailable"),
		                  "%s",
		                  L(r, "Telefonin är inte igång (--sip).",
		                    "Telephony is not running (--sip)."));
	err = tel_record(r->app->tel, r->params[0], (uint32_t)r->who.id);
	if (err == ENOENT)
		return resp_error(r, 404, "not-found", L(r, "Finns inte", "Not found"),
		                  L(r, "Inget telefonsamtal %lld.", "No phone call %lld."),
		                  (long long)r->params[0]);
	if (err == EPERM)
		return resp_error(r, 403, "forbidden", L(r, "Ej behörig", "Forbidden"), "%s",
		                  L(r, "Bara handläggaren som talar i samtalet kan spela in det.",
		                    "Only the agent talking in the call may record it."));
	if (err)
		return resp_error(r, 500, "recording", L(r, "Inspelningsfel", "Recording error"),
		                  "%s",
		                  L(r, "Inspelningsfilen kunde inte skapas.",
		                    "The recording file could not be created."));
	return resp_json(
	        r, 200,
	        json_pack("{s:I,s:b}", "call_id", (json_int_t)r->params[0], "recording", 1));
}

#define SIP_SECRET_MIN 12

/* POST /api/v1/users/{id}/sip-secret {"secret": "…"}: the phone's REGISTER password. */
static int sip_secret(struct req *r)
{
	json_t *body;
	const char *secret;
	struct problem p;
	int err;

	if (req_json_object(r, &body))
		return 0;
	secret = json_string_value(json_object_get(body, "secret"));
	if (!secret || strlen(secret) < SIP_SECRET_MIN || strlen(secret) > 200) {
		json_decref(body);
		problem_init(&p);
		p.status = 422;
		valid_add(&p.errors, "secret",
		          L(r, "Ska vara en text med %d–200 tecken.",
		            "Must be a string of %d–200 characters."),
		          SIP_SECRET_MIN);
		return resp_problem(r, &p);
	}
	err = tel_sip_secret_set(r->app->db, r->params[0], secret, acd_now_ms());
	json_decref(body);
	if (err)
		return resp_store_error(r, err, "user");
	if (audit_record(r->app->db, r->now, r->who.id, "update", "user", r->params[0],
	                 "SIP secret set"))
		return resp_store_error(r, EIO, "audit");
	return resp_json(
	        r, 200,
	        json_pack("{s:I,s:b}", "user_id", (json_int_t)r->params[0], "sip_secret", 1));
}

const struct route api_call_routes[] = {
        {"POST", "/api/v1/users/{id}/sip-secret", ROLE_ADMIN, sip_secret},
        {"GET", "/api/v1/calls", ROLES_LEADS, calls_list},
        {"POST", "/api/v1/calls/{id}/record", ROLE_AGENT | ROLE_GROUP_LEAD | ROUTE_QUEUE,
         call_record},
        {"GET", "/api/v1/surveys/answers", ROLES_LEADS, answers_list},
        {NULL, NULL, 0, NULL},
};
