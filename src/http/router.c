/* Routes a request: match method and path, authenticate, check the role, call the handler. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "http/http_int.h"

/* clang-format off */
const struct route *const router_tables[] = {
        api_auth_routes,      api_resource_routes, api_case_routes,
        api_acd_routes,       api_kb_routes,       api_report_routes,
        api_public_routes,    api_call_routes,     api_desk_routes,
        api_tel_routes,       api_wfm_routes,      api_mail_routes,
        api_case_life_routes, api_sso_routes,      api_mail_admin_routes,
        api_metrics_routes,   api_openapi_routes,  api_hold_routes,
        api_wallboard_routes, api_mail_acd_routes,
        NULL,
};
/* clang-format on */

/* Match "/api/v1/cases/{id}" against a path, collecting numeric parameters. An id that
 * does not fit its kind matches nothing (404): {id} is 64 bits, {id32} 32 bits. */
static bool match(const char *pat, const char *path, struct req *r)
{
	r->nparams = 0;
	while (*pat && *path) {
		if (pat[0] == '{') {
			long long max = strncmp(pat, "{id32}", 6) == 0 ? UINT32_MAX : INT64_MAX;
			char *end;
			long long v;

			if (path[0] < '0' || path[0] > '9')
				return false;
			errno = 0;
			v = strtoll(path, &end, 10);
			if (errno || v <= 0 || v > max || r->nparams >= REQ_MAX_PARAMS)
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

/* ======================================================================
 * What every request must be: its path and query in UTF-8, without NUL
 * ====================================================================== */

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF, no NUL. */
static bool utf8_text(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + n;

	while (p < e) {
		unsigned c = *p++;
		size_t more;
		unsigned long cp, min;

		if (c == 0)
			return false;
		if (c < 0x80)
			continue;
		if (c >= 0xc2 && c <= 0xdf) {
			more = 1;
			cp = c & 0x1f;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			more = 2;
			cp = c & 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			more = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else {
			return false;
		}
		if ((size_t)(e - p) < more)
			return false;
		for (; more; more--, p++) {
			if ((*p & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (*p & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
	}
	return true;
}

size_t router_unescape_h(void *arg, struct MHD_Connection *conn, char *s)
{
	size_t n = MHD_http_unescape(s);

	(void)arg;
	(void)conn;
	/* A decoded %00 would end the C string early ("/index.html%00.txt" would serve
	 * index.html): it becomes a byte that is never UTF-8, which router_dispatch refuses. */
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\0')
			s[i] = (char)0xff;
	return n;
}

/* The first query parameter that is not UTF-8 text: its name, or "" when the name is
 * the bad part. */
struct bad_arg {
	const char *key; /* borrowed from the connection; NULL while all are good */
};

static enum MHD_Result arg_check_h(void *arg, enum MHD_ValueKind kind, const char *key,
                                   size_t key_size, const char *value, size_t value_size)
{
	struct bad_arg *bad = arg;

	(void)kind;
	if (!utf8_text(key, key_size)) {
		bad->key = "";
		return MHD_NO;
	}
	if (value && !utf8_text(value, value_size)) {
		bad->key = key;
		return MHD_NO;
	}
	return MHD_YES;
}

/* Refuse a path or query that cannot be read as text, before anything echoes or uses it. */
static int check_text(struct req *r)
{
	struct bad_arg bad = {NULL};
	const char *field;

	if (r->conn)
		MHD_get_connection_values_n(r->conn, MHD_GET_ARGUMENT_KIND, arg_check_h, &bad);
	if (!utf8_text(r->path, strlen(r->path)))
		field = "path";
	else if (bad.key)
		field = bad.key[0] ? bad.key : "query";
	else
		return 0;
	return req_query_bad(r, field, "%s",
	                     L(r, "ska vara text i UTF-8 utan NUL-tecken (%00)",
	                       "must be UTF-8 text without NUL characters (%00)"));
}

size_t router_body_max(struct req *r)
{
	size_t max = r->app->max_body;

	if (strcmp(r->method, "POST") == 0 && match("/api/v1/cases/{id}/attachments", r->path, r) &&
	    r->app->attachment_max)
		max = r->app->attachment_max;
	r->nparams = 0;
	return max;
}

/* A standby node: the queue engine runs on the lease holder (cluster/cluster.h). The
 * proxy in front takes the 503 as "try the next node"; a client without one retries. */
static int queue_elsewhere(struct req *r)
{
	int err = resp_error(r, 503, "queue-elsewhere",
	                     L(r, "Kön sköts av en annan nod", "The queue runs on another node"),
	                     "%s",
	                     L(r, "Kön sköts av en annan nod just nu; försök igen.",
	                       "The queue is run by another node just now; try again."));

	if (!err)
		err = resp_header(r, "Retry-After", "1");
	return err;
}

int router_dispatch(struct req *r)
{
	bool path_known = false;

	if (check_text(r))
		return 0;

	for (size_t t = 0; router_tables[t]; t++) {
		for (const struct route *rt = router_tables[t]; rt->pattern; rt++) {
			if (!match(rt->pattern, r->path, r))
				continue;
			path_known = true;
			r->route = rt->pattern;
			if (strcmp(rt->method, r->method) != 0)
				continue;
			if ((rt->roles & ROUTE_QUEUE) && !r->app->acd && r->app->clustered)
				return queue_elsewhere(r);
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
	    static_serve(r) == 0) {
		r->route = "static";
		return 0;
	}
	return resp_error(r, 404, "not-found", L(r, "Finns inte", "Not found"),
	                  L(r, "Ingen resurs på %s.", "Nothing at %s."), r->path);
}
