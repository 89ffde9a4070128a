/* /api/v1/<resource>[/{id}]: list, read, create and update every administrative record. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "acd/acd_host.h"
#include "core/audit.h"
#include "core/resource.h"
#include "http/http_int.h"
#include "store/db.h"

/* "/api/v1/groups/12" → the groups resource. */
static const struct resource *resource_of(struct req *r)
{
	char name[32];
	const char *p = r->path + strlen("/api/v1/");
	size_t n = strcspn(p, "/");

	if (n >= sizeof(name))
		return NULL;
	memcpy(name, p, n);
	name[n] = '\0';
	return resource_find(name);
}

static int forbidden(struct req *r, const struct resource *res)
{
	return resp_error(
	        r, 403, "forbidden", L(r, "Ej behörig", "Forbidden"),
	        L(r, "Rollen %s får inte ändra %s.", "The role %s may not change the %s."),
	        role_name(r->who.role), L(r, res->what_sv, res->what_en));
}

static int res_list(struct req *r)
{
	const struct resource *res = resource_of(r);
	const char *text = req_query(r, "q");
	json_t *filters, *rows = NULL;
	struct page pg;
	int err;

	if (!(res->read_roles & r->who.role))
		return resp_store_error(r, EPERM, L(r, res->what_sv, res->what_en));
	if (req_query_page(r, 100, 1000, &pg))
		return 0;
	if (res->search && text && (!*text || strlen(text) > 200))
		return resp_error(r, 400, "bad-query", L(r, "Felaktig parameter", "Bad parameter"),
		                  "%s",
		                  L(r, "q ska vara en text med 1–200 tecken.",
		                    "q must be a text of 1–200 characters."));
	filters = json_object();
	for (size_t i = 0; i < res->nfields; i++) {
		const struct field *f = &res->fields[i];
		const char *q = req_query(r, f->name);
		char *end;

		if (!q || (f->flags & (FF_VIRTUAL | FF_WRITEONLY)))
			continue;
		if (f->type == FT_REF || f->type == FT_INT) {
			long long v = strtoll(q, &end, 10);
			if (!*q || *end) {
				json_decref(filters);
				return resp_error(
				        r, 400, "bad-query",
				        L(r, "Felaktig parameter", "Bad parameter"),
				        L(r, "%s måste vara ett heltal.", "%s must be an integer."),
				        f->name);
			}
			json_object_set_new(filters, f->name, json_integer(v));
		} else if (f->type == FT_BOOL) {
			json_object_set_new(filters, f->name, json_integer(strcmp(q, "true") == 0));
		} else if (f->type == FT_ENUM || f->type == FT_TEXT) {
			json_object_set_new(filters, f->name, json_string(q));
		}
	}
	err = resource_list(r->app->db, res, filters, res->search ? text : NULL, pg.limit,
	                    pg.offset, &rows, &pg.total);
	json_decref(filters);
	if (err)
		return resp_store_error(r, err, res->name);
	if (res->personal)
		audit_record(r->app->db, r->now, r->who.id, "list", res->table, 0, r->path);
	return resp_list(r, rows, &pg);
}

static int res_get(struct req *r)
{
	const struct resource *res = resource_of(r);
	json_t *row;
	int err;

	if (!(res->read_roles & r->who.role))
		return resp_store_error(r, EPERM, L(r, res->what_sv, res->what_en));
	err = resource_get(r->app->db, res, r->params[0], &row);
	if (err == ENOENT)
		return resp_error(
		        r, 404, "not-found", L(r, "Finns inte", "Not found"),
		        L(r, "Det finns ingen %s med id %lld.", "There is no %s with id %lld."),
		        L(r, res->what_sv, res->what_en), (long long)r->params[0]);
	if (err)
		return resp_store_error(r, err, res->name);
	if (res->personal)
		audit_record(r->app->db, r->now, r->who.id, "read", res->table, r->params[0], NULL);
	return resp_json(r, 200, row);
}

static int res_write(struct req *r, bool create)
{
	const struct resource *res = resource_of(r);
	struct verrors v;
	json_t *in, *row;
	int64_t id = create ? 0 : r->params[0];
	int err;

	if (!(res->write_roles & r->who.role))
		return forbidden(r, res);
	if (req_json_object(r, &in))
		return 0;
	verr_init(&v, r->lang[0] == 'e');
	err = create ? resource_create(r->app->db, res, in, &id, &v)
	             : resource_update(r->app->db, res, id, in, &v);
	json_decref(in);
	if (verr_any(&v)) {
		if (err == EEXIST)
			v.status = 409;
		return resp_field_errors(r, &v);
	}
	if (err == ENOENT)
		return resp_error(
		        r, 404, "not-found", L(r, "Finns inte", "Not found"),
		        L(r, "Det finns ingen %s med id %lld.", "There is no %s with id %lld."),
		        L(r, res->what_sv, res->what_en), (long long)id);
	if (err)
		return resp_store_error(r, err, res->name);
	audit_record(r->app->db, r->now, r->who.id, create ? "create" : "update", res->table, id,
	             NULL);
	/* The queue takes new hours, closures, overflow and memberships at once. */
	if (r->app->acd &&
	    (strcmp(res->table, "groups") == 0 || strcmp(res->table, "closures") == 0 ||
	     strcmp(res->table, "users") == 0))
		acd_host_reload(r->app->acd, acd_now_ms());
	if (resource_get(r->app->db, res, id, &row))
		return resp_store_error(r, EIO, res->name);
	return resp_json(r, create ? 201 : 200, row);
}

static int res_create(struct req *r)
{
	return res_write(r, true);
}

static int res_update(struct req *r)
{
	return res_write(r, false);
}

#define RESOURCE_ROUTES(name)                                                                      \
	{"GET", "/api/v1/" name, ROLES_ANY, res_list},                                             \
	        {"POST", "/api/v1/" name, ROLES_ANY, res_create},                                  \
	        {"GET", "/api/v1/" name "/{id}", ROLES_ANY, res_get},                              \
	        {"PATCH", "/api/v1/" name "/{id}", ROLES_ANY, res_update},                         \
	{                                                                                          \
		"PUT", "/api/v1/" name "/{id}", ROLES_ANY, res_update                              \
	}

const struct route api_resource_routes[] = {
        RESOURCE_ROUTES("units"),      RESOURCE_ROUTES("groups"),     RESOURCE_ROUTES("closures"),
        RESOURCE_ROUTES("clients"),    RESOURCE_ROUTES("contacts"),   RESOURCE_ROUTES("categories"),
        RESOURCE_ROUTES("agreements"), RESOURCE_ROUTES("boundaries"), RESOURCE_ROUTES("users"),
        {NULL, NULL, 0, NULL},
};
