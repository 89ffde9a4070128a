/* Routes a request: match method and path, authenticate, check the role, call the handler. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_int.h"

static const struct route *const tables[] = {
        api_auth_routes,   api_resource_routes, api_case_routes, api_acd_routes,  api_kb_routes,
        api_report_routes, api_public_routes,   api_call_routes, api_desk_routes, api_tel_routes,
};

/* Match "/api/v1/cases/{id}" against a path, collecting numeric parameters. */
static bool match(const char *pat, const char *path, struct req *r)
{
	r->nparams = 0;
	while (*pat && *path) {
		if (pat[0] == '{') {
			char *end;
			long long v;

			if (path[0] < '0' || path[0] > '9')
				return false;
			v = strtoll(path, &end, 10);
			if (v <= 0 || r->nparams >= REQ_MAX_PARAMS)
				return false;
			r->params[r->nparams++] = v;
			path = end;
			pat = strchr(pat, '}');
			if (!pat)
				return false;
			pat++;
			continue;
		}
		if (*pat != *path)
			return false;
		pat++;
		path++;
	}
	return *pat == '\0' && (*path == '\0' || (path[0] == '/' && path[1] == '\0'));
}

/* A browser's EventSource cannot send headers, so the live stream alone also takes the
 * token as ?access_token= (RFC 6750 §2.3). Everything else needs the header, which keeps
 * tokens out of URLs that end up in histories and proxies. */
static bool token_in_query_allowed(const struct req *r)
{
	if (strcmp(r->method, "GET") != 0)
		return false;
	return strcmp(r->path, "/api/v1/acd/stream") == 0 ||
	       strcmp(r->path, "/api/v1/acd/stream/") == 0;
}

static int authenticate(struct req *r)
{
	const char *h = req_header(r, "Authorization");

	if (h && strncmp(h, "Bearer ", 7) == 0)
		return auth_session(r->app->db, h + 7, r->now, &r->who);
	if (!h && token_in_query_allowed(r)) {
		const char *t = req_query(r, "access_token");

		if (t && *t)
			return auth_session(r->app->db, t, r->now, &r->who);
	}
	return ENOENT;
}

int router_dispatch(struct req *r)
{
	bool path_known = false;

	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		for (const struct route *rt = tables[t]; rt->pattern; rt++) {
			if (!match(rt->pattern, r->path, r))
				continue;
			path_known = true;
			if (strcmp(rt->method, r->method) != 0)
				continue;
			if (rt->roles) {
				if (authenticate(r) != 0)
					return resp_error(
					        r, 401, "unauthorized",
					        L(r, "Inloggning krävs", "Login required"), "%s",
					        L(r,
					          "Ange en giltig token: Authorization: Bearer "
					          "<token> "
					          "(POST /api/v1/login).",
					          "Send a valid token: Authorization: Bearer "
					          "<token> "
					          "(POST /api/v1/login)."));
				if (!(rt->roles & r->who.role))
					return resp_error(r, 403, "forbidden",
					                  L(r, "Ej behörig", "Forbidden"),
					                  L(r, "Rollen %s får inte använda %s %s.",
					                    "The role %s may not use %s %s."),
					                  role_name(r->who.role), r->method,
					                  rt->pattern);
			}
			return rt->h(r);
		}
	}
	if (path_known)
		return resp_error(r, 405, "method-not-allowed",
		                  L(r, "Metoden stöds inte", "Method not allowed"),
		                  L(r, "%s stöds inte för %s.", "%s is not supported for %s."),
		                  r->method, r->path);
	if (strcmp(r->method, "GET") == 0 && strncmp(r->path, "/api/", 5) != 0 &&
	    static_serve(r) == 0)
		return 0;
	return resp_error(r, 404, "not-found", L(r, "Finns inte", "Not found"),
	                  L(r, "Ingen resurs på %s.", "Nothing at %s."), r->path);
}
