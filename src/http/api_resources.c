/* /api/v1/<resource>[/{id}]: list, read, create and update every administrative record. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "acdhost/acd_host.h"
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

/* Whether the list can be filtered by the field: a plain column of a type the store
 * compares as is. */
static bool filter_field(const struct field *f)
{
	return !(f->flags & (FF_VIRTUAL | FF_WRITEONLY)) &&
	       (f->type == FT_REF || f->type == FT_INT || f->type == FT_BOOL ||
	        f->type == FT_ENUM || f->type == FT_TEXT);
}

static bool param_known(const struct resource *res, const char *key)
{
	if (strcmp(key, "limit") == 0 || strcmp(key, "offset") == 0 ||
	    (res->search && strcmp(key, "q") == 0))
		return true;
	for (size_t i = 0; i < res->nfields; i++)
		if (strcmp(res->fields[i].name, key) == 0)
			return filter_field(&res->fields[i]);
	return false;
}

/* The first query parameter a list cannot be filtered by, and the names it can. */
struct unknown {
	const struct resource *res; /* the list's resource */
	const char *key;            /* the parameter (borrowed), NULL until found */
	char names[400];            /* "limit, offset, name, …" */
};

static enum MHD_Result unknown_param_h(void *arg, enum MHD_ValueKind kind, const char *key,
                                       const char *value)
{
	struct unknown *u = arg;

	(void)kind;
	(void)value;
	if (param_known(u->res, key))
		return MHD_YES;
	u->key = key;
	return MHD_NO;
}

static const char *filterable(const struct resource *res, struct unknown *u)
{
	size_t n = (size_t)snprintf(u->names, sizeof(u->names), "limit, offset%s",
	                            res->search ? ", q" : "");

	for (size_t i = 0; i < res->nfields && n < sizeof(u->names); i++)
		if (filter_field(&res->fields[i]))
			n += (size_t)snprintf(u->names + n, sizeof(u->names) - n, ", %s",
			                      res->fields[i].name);
	return u->names;
}

/* One filter's value as the store compares it; a value that can match nothing the field
 * may hold (a word for a number, "yes" for true/false, an unknown enum value) is the 400. */
static int filter_value(struct req *r, const struct field *f, const char *q, json_t **out)
{
	char list[300];
	size_t n = 0;
	char *end;
	long long v;

	switch (f->type) {
	case FT_REF:
	case FT_INT:
		errno = 0;
		v = strtoll(q, &end, 10);
		if ((*q < '0' || *q > '9') && !(*q == '-' && q[1] >= '0' && q[1] <= '9'))
			end = NULL;
		if (!end || *end || errno)
			return req_query_bad(r, f->name, "%s",
			                     L(r, "måste vara ett heltal", "must be an integer"));
		*out = json_integer(v);
		return 0;
	case FT_BOOL:
		if (strcmp(q, "true") != 0 && strcmp(q, "false") != 0)
			return req_query_bad(
			        r, f->name, "%s",
			        L(r, "måste vara true eller false", "must be true or false"));
		*out = json_integer(strcmp(q, "true") == 0);
		return 0;
	case FT_ENUM:
		for (const char *const *x = f->values; x && *x; x++) {
			if (strcmp(q, *x) == 0) {
				*out = json_string(q);
				return 0;
			}
			if (n < sizeof(list))
				n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
				                      n ? ", " : "", *x);
		}
		return req_query_bad(r, f->name, L(r, "måste vara en av: %s", "must be one of: %s"),
		                     n ? list : "");
	default:
		*out = json_string(q);
		return 0;
	}
}

static int res_list(struct req *r)
{
	const struct resource *res = resource_of(r);
	const char *text = req_query(r, "q");
	json_t *filters, *rows = NULL;
	struct unknown u = {.key = NULL};
	struct page pg;
	int err;

	if (!(res->read_roles & r->who.role))
		return resp_store_error(r, EPERM, L(r, res->what_sv, res->what_en));
	if (req_query_page(r, 100, 1000, &pg))
		return 0;
	u.res = res;
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, unknown_param_h, &u);
	if (u.key) {
		return req_query_bad(r, u.key,
		                     L(r, "listan kan inte filtreras på det; den kan på: %s",
		                       "the list cannot be filtered by it; it can by: %s"),
		                     filterable(res, &u));
	}
	if (res->search && text && (!*text || strlen(text) > 200))
		return resp_error(r, 400, "bad-query", L(r, "Felaktig parameter", "Bad parameter"),
		                  "%s",
		                  L(r, "q ska vara en text med 1–200 tecken.",
		                    "q must be a text of 1–200 characters."));
	filters = json_object();
	for (size_t i = 0; i < res->nfields; i++) {
		const struct field *f = &res->fields[i];
		const char *q = req_query(r, f->name);
		json_t *v = NULL;

		if (!q)
			continue;
		if (filter_value(r, f, q, &v)) {
			json_decref(filters);
			return 0;
		}
		json_object_set_new(filters, f->name, v);
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

/* The record's answer with its ETag. */
static int resp_record(struct req *r, unsigned status, json_t *row)
{
	char tag[RESOURCE_ETAG_SIZE];
	bool tagged = resource_etag(row, tag) == 0;
	int err = resp_json(r, status, row);

	if (!err && tagged)
		resp_header(r, "ETag", tag);
	return err;
}

/* If-Match on a record: 0 without the header, with * or the record's current ETag, or when
 * there is no such record (the 404 follows). Otherwise the 412 is set and EAGAIN returned.
 * On the loop inside the turn's transaction, so nothing writes between check and write. */
static int if_match_record(struct req *r, const struct resource *res, int64_t id)
{
	const char *h = req_header(r, "If-Match");
	char tag[RESOURCE_ETAG_SIZE];
	json_t *row;
	int err;

	if (!h)
		return 0;
	if (resource_get(r->app->db, res, id, &row) != 0)
		return 0;
	err = resource_etag(row, tag);
	json_decref(row);
	if (err || req_if_match_ok(h, tag))
		return 0;
	resp_error(r, 412, "precondition-failed",
	           L(r, "Posten har ändrats", "The record has changed"),
	           L(r,
	             "Någon annan har ändrat %s %lld sedan du hämtade den. Hämta den igen och "
	             "gör om din ändring.",
	             "Someone else changed %s %lld since you fetched it. Fetch it again and redo "
	             "your change."),
	           L(r, res->what_sv, res->what_en), (long long)id);
	resp_header(r, "ETag", tag);
	return EAGAIN;
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
	return resp_record(r, 200, row);
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
	if (!create && if_match_record(r, res, id)) {
		json_decref(in);
		return 0;
	}
	valid_init(&v, r->lang[0] == 'e');
	err = create ? resource_create(r->app->db, res, in, &id, &v)
	             : resource_update(r->app->db, res, id, in, &v);
	json_decref(in);
	if (valid_has_errors(&v)) {
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
	if (strcmp(res->table, "groups") == 0 || strcmp(res->table, "closures") == 0 ||
	    strcmp(res->table, "users") == 0) {
		if (r->app->acd)
			acd_host_reload(r->app->acd, acd_now_ms());
		else if (r->app->queue_reload) /* a standby: the queue's node reloads */
			r->app->queue_reload(r->app->queue_reload_arg);
	}
	if (resource_get(r->app->db, res, id, &row))
		return resp_store_error(r, EIO, res->name);
	return resp_record(r, create ? 201 : 200, row);
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
        RESOURCE_ROUTES("units"),         RESOURCE_ROUTES("groups"),
        RESOURCE_ROUTES("closures"),      RESOURCE_ROUTES("clients"),
        RESOURCE_ROUTES("contacts"),      RESOURCE_ROUTES("categories"),
        RESOURCE_ROUTES("agreements"),    RESOURCE_ROUTES("boundaries"),
        RESOURCE_ROUTES("users"),         RESOURCE_ROUTES("client_units"),
        RESOURCE_ROUTES("price_classes"), {NULL, NULL, 0, NULL},
};
