/* Responses: JSON bodies, RFC 9457 problems, query and header access. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "base/calendar.h"
#include "base/valid.h"
#include "base/proxy.h"
#include "http/http_int.h"

void resp_frame_guard(struct MHD_Response *resp, const char *csp)
{
	char v[512];

	/* No other site may show a page or an answer in a frame (clickjacking). The CSP
	 * directive is the standard; X-Frame-Options is for browsers that predate it. */
	if (csp && *csp)
		snprintf(v, sizeof(v), "%s; frame-ancestors 'none'", csp);
	else
		snprintf(v, sizeof(v), "frame-ancestors 'none'");
	MHD_add_response_header(resp, "Content-Security-Policy", v);
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
}

static void common_headers(struct MHD_Response *resp, const char *ctype)
{
	MHD_add_response_header(resp, "Content-Type", ctype);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	resp_frame_guard(resp, NULL);
}

static int set_resp(struct req *r, unsigned status, struct MHD_Response *resp)
{
	if (!resp)
		return ENOMEM;
	if (r->resp)
		MHD_destroy_response(r->resp);
	r->resp = resp;
	r->status = status;
	return 0;
}

int resp_text(struct req *r, unsigned status, const char *ctype, const char *body, size_t n)
{
	struct MHD_Response *resp =
	        MHD_create_response_from_buffer(n, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (resp)
		common_headers(resp, ctype);
	return set_resp(r, status, resp);
}

static int resp_json_ctype(struct req *r, unsigned status, json_t *body, const char *ctype)
{
	struct MHD_Response *resp;
	/* 15 significant digits (DBL_DIG): a figure rounded to a few decimals prints as
	 * written (0.85), not as its binary neighbour 0.84999999999999998. */
	char *s = json_dumps(body, JSON_COMPACT | JSON_ENSURE_ASCII * 0 | JSON_REAL_PRECISION(15));

	json_decref(body);
	if (!s)
		return ENOMEM;
	resp = MHD_create_response_from_buffer(strlen(s), s, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(s);
		return ENOMEM;
	}
	common_headers(resp, ctype);
	return set_resp(r, status, resp);
}

int resp_json(struct req *r, unsigned status, json_t *body)
{
	if (!body)
		return ENOMEM;
	return resp_json_ctype(r, status, body, "application/json; charset=utf-8");
}

int resp_fd(struct req *r, unsigned status, const char *ctype, int fd, size_t size)
{
	struct MHD_Response *resp = MHD_create_response_from_fd(size, fd);

	if (!resp) {
		close(fd);
		return ENOMEM;
	}
	common_headers(resp, ctype);
	return set_resp(r, status, resp);
}

int resp_empty(struct req *r, unsigned status)
{
	return resp_text(r, status, "text/plain; charset=utf-8", "", 0);
}

const char *req_query(struct req *r, const char *key)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *req_header(struct req *r, const char *key)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, key);
}

int resp_header(struct req *r, const char *key, const char *value)
{
	if (!r->resp)
		return EINVAL;
	return MHD_add_response_header(r->resp, key, value) == MHD_YES ? 0 : ENOMEM;
}

/* Every line of a header, joined by commas (a proxy may add its own line). */
struct joined {
	const char *key; /* the header's name */
	char buf[1024];  /* the lines so far */
	size_t len;      /* bytes in buf */
	bool cut;        /* too long: the last hops are missing, so believe none */
};

static enum MHD_Result join_h(void *arg, enum MHD_ValueKind kind, const char *key,
                              const char *value)
{
	struct joined *j = arg;
	int w;

	(void)kind;
	if (!key || strcasecmp(key, j->key) != 0 || !value || j->cut)
		return MHD_YES;
	w = snprintf(j->buf + j->len, sizeof(j->buf) - j->len, "%s%s", j->len ? "," : "", value);
	if (w < 0 || (size_t)w >= sizeof(j->buf) - j->len)
		j->cut = true;
	else
		j->len += (size_t)w;
	return MHD_YES;
}

static const char *header_joined(struct MHD_Connection *conn, const char *key, struct joined *j)
{
	j->key = key;
	j->len = 0;
	j->cut = false;
	j->buf[0] = '\0';
	MHD_get_connection_values(conn, MHD_HEADER_KIND, join_h, j);
	return j->cut ? "garbage" : j->len ? j->buf : NULL;
}

int req_client_addr(struct req *r, char *out, size_t n)
{
	const union MHD_ConnectionInfo *ci =
	        r->conn ? MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS)
	                : NULL;
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	char peer[INET6_ADDRSTRLEN];

	if (!sa || n == 0)
		return ENOENT;
	if (!(sa->sa_family == AF_INET &&
	      inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, peer,
	                sizeof(peer))) &&
	    !(sa->sa_family == AF_INET6 &&
	      inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, peer,
	                sizeof(peer))))
		return ENOENT;
	/* The one place the client's address is decided: behind a trusted proxy, the one it
	 * forwarded for. */
	if (r->app && proxy_list_has(r->app->trusted_proxies, peer)) {
		struct joined xff, fwd;

		proxy_client_addr(r->app->trusted_proxies, peer,
		                  header_joined(r->conn, "X-Forwarded-For", &xff),
		                  header_joined(r->conn, "Forwarded", &fwd), out, n);
		return 0;
	}
	snprintf(out, n, "%s", peer);
	return 0;
}

void problem_init(struct problem *p)
{
	memset(p, 0, sizeof(*p));
	p->status = 422;
	p->type = "validation";
	valid_init(&p->errors, false);
}

int resp_problem(struct req *r, struct problem *p)
{
	json_t *o = json_object();
	char type[96];

	snprintf(type, sizeof(type), "/docs/api.md#problem-%s", p->type ? p->type : "error");
	json_object_set_new(o, "type", json_string(type));
	json_object_set_new(
	        o, "title",
	        json_string(p->title ? p->title : L(r, "Ogiltiga uppgifter", "Invalid data")));
	json_object_set_new(o, "status", json_integer(p->status));
	if (p->detail[0])
		json_object_set_new(o, "detail", json_string(p->detail));
	else if (valid_has_errors(&p->errors)) {
		json_t *e0 = json_array_get(p->errors.list, 0);
		char d[600];
		snprintf(d, sizeof(d), "%s: %s", json_string_value(json_object_get(e0, "field")),
		         json_string_value(json_object_get(e0, "message")));
		json_object_set_new(o, "detail", json_string(d));
	}
	if (p->errors.list)
		json_object_set_new(o, "errors", p->errors.list);
	p->errors.list = NULL;
	return resp_json_ctype(r, p->status, o, "application/problem+json; charset=utf-8");
}

struct MHD_Response *resp_problem_response(unsigned status, const char *type, const char *title,
                                           const char *detail)
{
	char t[96];
	json_t *o;
	char *s;
	struct MHD_Response *resp;

	snprintf(t, sizeof(t), "/docs/api.md#problem-%s", type);
	o = json_pack("{s:s,s:s,s:i,s:s}", "type", t, "title", title, "status", (int)status,
	              "detail", detail);
	s = o ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
	json_decref(o);
	if (!s)
		return NULL;
	resp = MHD_create_response_from_buffer(strlen(s), s, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(s);
		return NULL;
	}
	common_headers(resp, "application/problem+json; charset=utf-8");
	return resp;
}

int resp_error(struct req *r, unsigned status, const char *type, const char *title, const char *fmt,
               ...)
{
	struct problem p;
	va_list ap;

	problem_init(&p);
	p.status = status;
	p.type = type;
	p.title = title;
	va_start(ap, fmt);
	vsnprintf(p.detail, sizeof(p.detail), fmt, ap);
	va_end(ap);
	return resp_problem(r, &p);
}

int resp_store_error(struct req *r, int err, const char *what)
{
	switch (err) {
	case ENOENT:
		return resp_error(r, 404, "not-found", L(r, "Finns inte", "Not found"),
		                  L(r, "%s finns inte.", "%s does not exist."), what);
	case EEXIST:
		return resp_error(r, 409, "conflict", L(r, "Finns redan", "Already exists"),
		                  L(r, "%s krockar med en befintlig post (unikt värde).",
		                    "%s conflicts with an existing record (unique value)."),
		                  what);
	case EPERM:
		return resp_error(
		        r, 403, "forbidden", L(r, "Ej behörig", "Forbidden"),
		        L(r, "Din roll får inte komma åt %s.", "Your role may not access %s."),
		        what);
	case EBUSY:
		return resp_error(r, 503, "busy", L(r, "Upptagen", "Busy"), "%s",
		                  L(r, "Databasen är upptagen, försök igen.",
		                    "The database is busy, try again."));
	case EAGAIN:
		/* A read over its wall-time budget (db_budget_set): the machine, not the
		 * question. The pages ask again after Retry-After (web/js/api.js). */
		resp_error(r, 503, "busy", L(r, "Upptagen", "Busy"), "%s",
		           L(r,
		             "Servern är upptagen och hann inte läsa klart. Försök igen om en "
		             "stund.",
		             "The server is busy and did not finish reading in time. Try again in "
		             "a moment."));
		return resp_header(r, "Retry-After", "2");
	case ENOSPC:
	case EIO:
	case EROFS:
		/* The disk is full or failing: the same answer as a failed group commit. */
		return resp_error(r, 503, "storage",
		                  L(r, "Lagringen misslyckades", "Storage failed"),
		                  L(r, "Inget sparades (%s); försök igen.",
		                    "Nothing was saved (%s); try again."),
		                  what);
	default:
		return resp_error(r, 500, "internal", L(r, "Internt fel", "Internal error"),
		                  L(r, "Lagringen misslyckades (%s).", "Storage failed (%s)."),
		                  what);
	}
}

int resp_domain(struct req *r, int err, const struct domain_ref *ref, struct verrors *fe)
{
	if (fe && valid_has_errors(fe) && err != ENOENT && err != EPERM && err != EACCES)
		return resp_field_errors(r, fe);
	switch (err) {
	case 0:
		return 0;
	case ENOENT:
		return resp_error(r, 404, "not-found", L(r, "Finns inte", "Not found"),
		                  L(r, "Det finns %s med id %lld.", "There is no %s with id %lld."),
		                  L(r, ref->none_sv, ref->none_en), (long long)ref->id);
	case EPERM:
	case EACCES:
		if (ref->denied_sv)
			return resp_error(r, 403, "forbidden", L(r, "Ej behörig", "Forbidden"),
			                  "%s", L(r, ref->denied_sv, ref->denied_en));
		return resp_store_error(r, EPERM, ref->what);
	default:
		return resp_store_error(r, err, ref->what);
	}
}

int req_query_int(struct req *r, const char *key, int64_t *out)
{
	return req_query_max(r, key, INT64_MAX, out);
}

int req_query_bad(struct req *r, const char *key, const char *fmt, ...)
{
	struct problem p;
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	problem_init(&p);
	p.status = 400;
	p.type = "bad-query";
	p.title = L(r, "Felaktig parameter", "Bad parameter");
	valid_add(&p.errors, key, "%s", msg);
	resp_problem(r, &p);
	return EINVAL;
}

int req_query_max(struct req *r, const char *key, int64_t max, int64_t *out)
{
	const char *s = req_query(r, key);
	char *end;
	long long v;

	*out = 0;
	if (!s)
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	/* Digits only: no sign, no spaces, nothing after them, nothing beyond max. */
	if (*s < '0' || *s > '9' || *end || errno || v < 0 || v > max) {
		if (max == INT64_MAX)
			return req_query_bad(
			        r, key, "%s",
			        L(r, "måste vara ett heltal ≥ 0", "must be an integer ≥ 0"));
		return req_query_bad(
		        r, key, L(r, "måste vara ett heltal 0–%lld", "must be an integer 0–%lld"),
		        (long long)max);
	}
	*out = v;
	return 0;
}

/* Absent: def; present: digits 0–max, or the 400 naming the parameter. */
static int page_param(struct req *r, const char *key, int64_t def, int64_t max, int64_t *out)
{
	*out = def;
	if (!req_query(r, key))
		return 0;
	return req_query_max(r, key, max, out) ? EINVAL : 0;
}

int req_query_page(struct req *r, int64_t def, int64_t max, struct page *pg)
{
	pg->total = 0;
	if (page_param(r, "limit", def, max, &pg->limit) ||
	    page_param(r, "offset", 0, INT32_MAX, &pg->offset))
		return EINVAL;
	return 0;
}

int resp_list(struct req *r, json_t *items, const struct page *pg)
{
	return resp_json(r, 200,
	                 json_pack("{s:o,s:I,s:I,s:I}", "items", items ? items : json_array(),
	                           "total", (json_int_t)pg->total, "limit", (json_int_t)pg->limit,
	                           "offset", (json_int_t)pg->offset));
}

json_t *resp_list_object(json_t *all, struct page *pg)
{
	json_t *items = json_array();
	size_t n = json_array_size(all);

	pg->total = (int64_t)n;
	for (int64_t i = pg->offset; i < (int64_t)n && i < pg->offset + pg->limit; i++)
		json_array_append(items, json_array_get(all, (size_t)i));
	json_decref(all);
	return json_pack("{s:o,s:I,s:I,s:I}", "items", items, "total", (json_int_t)pg->total,
	                 "limit", (json_int_t)pg->limit, "offset", (json_int_t)pg->offset);
}

int resp_list_slice(struct req *r, json_t *all, struct page *pg)
{
	return resp_json(r, 200, resp_list_object(all, pg));
}

int req_query_time_ms(struct req *r, const char *key, int64_t *out_ms)
{
	const char *s = req_query(r, key);
	int64_t t;

	if (!s)
		return 0;
	if (calendar_parse_iso8601(s, &t) != 0) {
		return req_query_bad(r, key, "%s",
		                     L(r,
		                       "måste vara ett datum ÅÅÅÅ-MM-DD eller en tidpunkt ISO 8601",
		                       "must be a date YYYY-MM-DD or an ISO 8601 timestamp"));
	}
	*out_ms = t * 1000;
	return 0;
}

int req_json_object(struct req *r, json_t **out)
{
	json_error_t e;
	json_t *j;

	if (!r->body || r->body_len == 0) {
		resp_error(r, 400, "malformed-json", L(r, "Felaktig JSON", "Malformed JSON"), "%s",
		           L(r, "Begäran saknar innehåll; ett JSON-objekt krävs.",
		             "The request has no body; a JSON object is required."));
		return EBADMSG;
	}
	j = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &e);
	if (!j) {
		resp_error(r, 400, "malformed-json", L(r, "Felaktig JSON", "Malformed JSON"),
		           L(r, "JSON kunde inte läsas på rad %d, kolumn %d: %s",
		             "JSON could not be parsed at line %d, column %d: %s"),
		           e.line, e.column, e.text);
		return EBADMSG;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		resp_error(r, 400, "malformed-json", L(r, "Felaktig JSON", "Malformed JSON"), "%s",
		           L(r, "Innehållet måste vara ett JSON-objekt {…}.",
		             "The body must be a JSON object {…}."));
		return EBADMSG;
	}
	*out = j;
	return 0;
}

int resp_field_errors(struct req *r, struct verrors *v)
{
	struct problem p;

	problem_init(&p);
	p.status = v->status;
	p.errors.list = v->list;
	v->list = NULL;
	return resp_problem(r, &p);
}
