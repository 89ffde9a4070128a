/* Legal holds over HTTP (issue 18): a case kept from the retention run while a hold is in
 * force. The same core/retention.c functions as `lotsen retention hold`; each set and release
 * is audited there, and reading the list is audited here. */
#include <errno.h>
#include <string.h>

#include "core/audit.h"
#include "core/retention.h"
#include "http/http_int.h"

static struct domain_ref hold_ref(struct req *r)
{
	return (struct domain_ref){"case",
	                           "inget ärende",
	                           "case",
	                           r->params[0],
	                           "Bara administratörer kan sätta eller häva en bevarandeorder.",
	                           "Only administrators may set or release a legal hold."};
}

/* POST /api/v1/cases/{id}/hold {"reason": "…"}: 201 with the hold. */
static int hold_set(struct req *r)
{
	struct domain_ref ref = hold_ref(r);
	json_t *in, *reason;
	int64_t id = 0;
	int err;

	if (req_json_object(r, &in))
		return 0;
	reason = json_object_get(in, "reason");
	if (!json_is_string(reason) || json_string_length(reason) == 0 ||
	    json_string_length(reason) > 1000) {
		struct problem p;

		json_decref(in);
		problem_init(&p);
		p.status = 400;
		valid_add(&p.errors, "reason", "%s",
		          L(r, "ska vara en text om 1–1000 tecken: varför ärendet bevaras",
		            "must be a text of 1–1000 characters: why the case is kept"));
		return resp_problem(r, &p);
	}
	err = retention_hold_case(r->app->db, &r->who, r->params[0], json_string_value(reason),
	                          r->now, &id);
	if (err == EEXIST) {
		json_decref(in);
		return resp_error(r, 409, "conflict", L(r, "Finns redan", "Already exists"), "%s",
		                  L(r, "Ärendet har redan en bevarandeorder.",
		                    "The case already has a legal hold."));
	}
	if (err) {
		json_decref(in);
		return resp_domain(r, err, &ref, NULL);
	}
	err = resp_json(r, 201,
	                json_pack("{s:I,s:I,s:O,s:I,s:I}", "id", (json_int_t)id, "case_id",
	                          (json_int_t)r->params[0], "reason", reason, "set_by",
	                          (json_int_t)r->who.id, "set_at", (json_int_t)r->now));
	json_decref(in);
	return err;
}

/* DELETE /api/v1/cases/{id}/hold: 204; 404 when the case has no hold in force. */
static int hold_release(struct req *r)
{
	struct domain_ref ref = {"legal hold",
	                         "ingen bevarandeorder på ärendet",
	                         "legal hold on case",
	                         r->params[0],
	                         NULL,
	                         NULL};
	int err = retention_hold_release_case(r->app->db, &r->who, r->params[0], r->now);

	if (err)
		return resp_domain(r, err, &ref, NULL);
	return resp_empty(r, 204);
}

/* GET /api/v1/holds: the holds in force (admins and managers); the read is audited. */
static int holds_list(struct req *r)
{
	struct page pg;
	json_t *items;
	int err;

	if (req_query_page(r, 100, 1000, &pg))
		return 0;
	err = retention_holds(r->app->db, &items);
	if (!err)
		err = audit_record(r->app->db, r->now, r->who.id, "read", "legal_holds", 0,
		                   "list of legal holds");
	if (err) {
		json_decref(items);
		return resp_store_error(r, err, "legal hold");
	}
	return resp_list_slice(r, items, &pg);
}

const struct route api_hold_routes[] = {
        {"POST", "/api/v1/cases/{id}/hold", ROLE_ADMIN, hold_set},
        {"DELETE", "/api/v1/cases/{id}/hold", ROLE_ADMIN, hold_release},
        {"GET", "/api/v1/holds", ROLE_ADMIN | ROLE_MANAGER, holds_list},
        {NULL, NULL, 0, NULL},
};
