/* The HTTP layer over real HTTP on loopback: route matching (literal paths, {id} and
 * {id32}, 405 against 404, percent-decoding, text that is not UTF-8, a trailing slash,
 * login and roles) and the problem answers (resp_domain's mapping, field errors as JSON).
 *
 * libmicrohttpd runs here with its own thread and hands each request to router_dispatch
 * as the server does; paths under /t/ answer with resp_domain instead, so the problems are
 * read back as a client sees them. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <microhttpd.h>

#include "core/auth.h"
#include "http/http_int.h"
#include "store/db.h"
#include "store/schema.h"

#define NOW 1780000000 /* 2026-05-28 */

static const char users_sql[] =
        "INSERT INTO users(id, username, display_name, role) VALUES"
        " (1, 'anna', 'Anna Lindqvist', 'agent'), (2, 'elin', 'Elin Sandberg', 'group_lead');";

struct fixture {
	char path[64];
	struct db *db;
	struct app app;
	struct MHD_Daemon *d;
	uint16_t port;
	char agent[AUTH_TOKEN_LEN + 1]; /* anna's token */
	char lead[AUTH_TOKEN_LEN + 1];  /* elin's token */
};

/* One answer as the client got it. */
struct answer {
	unsigned status;
	json_t *body; /* parsed JSON body, or NULL */
	char ctype[96];
};

/* ---- the /t/ paths: resp_domain's answers ---- */

static int domain_answer(struct req *r)
{
	const char *what = r->path + 3;
	struct domain_ref ref = {"case", "inget ärende", "case", 7, NULL, NULL};
	struct verrors fe;
	int err = 0;

	valid_init(&fe, r->lang[0] == 'e');
	if (strcmp(what, "enoent") == 0)
		err = ENOENT;
	else if (strcmp(what, "eperm") == 0) {
		err = EPERM;
		ref.denied_sv = "Ärendet är sekretessmarkerat.";
		ref.denied_en = "The case is confidential.";
	} else if (strcmp(what, "eacces") == 0)
		err = EACCES;
	else if (strcmp(what, "fields") == 0 || strcmp(what, "fields-404") == 0 ||
	         strcmp(what, "enoent-fields") == 0) {
		err = strcmp(what, "enoent-fields") == 0 ? ENOENT : EBADMSG;
		valid_add(&fe, "summary", "%s", VL(&fe, "måste anges", "is required"));
		valid_add(&fe, "outcome", VL(&fe, "okänt värde %s", "unknown value %s"), "lost");
		if (strcmp(what, "fields-404") == 0)
			fe.status = 404;
	} else if (strcmp(what, "eexist") == 0)
		err = EEXIST;
	else if (strcmp(what, "ebusy") == 0)
		err = EBUSY;
	else if (strcmp(what, "enospc") == 0)
		err = ENOSPC;
	else if (strcmp(what, "ok") != 0)
		err = EPROTO;
	if (resp_domain(r, err, &ref, &fe) == 0 && !r->resp)
		resp_empty(r, 204);
	valid_free(&fe);
	return 0;
}

static enum MHD_Result access_h(void *cls, struct MHD_Connection *c, const char *url,
                                const char *method, const char *version, const char *upload,
                                size_t *upload_size, void **con_cls)
{
	struct fixture *f = cls;
	const char *al = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Language");
	struct req r = {.conn = c,
	                .app = &f->app,
	                .method = method,
	                .path = url,
	                .lang = al && strncmp(al, "en", 2) == 0 ? "en" : "sv",
	                .now = NOW};
	enum MHD_Result ret;

	(void)version;
	(void)upload;
	if (!*con_cls) { /* the head is in; the body (ignored here) may follow */
		*con_cls = f;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (strncmp(url, "/t/", 3) == 0)
		domain_answer(&r);
	else
		router_dispatch(&r);
	if (!r.resp)
		return MHD_NO;
	ret = MHD_queue_response(c, r.status, r.resp);
	MHD_destroy_response(r.resp);
	return ret;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct sockaddr_in sa = {.sin_family = AF_INET};
	const union MHD_DaemonInfo *info;
	int fd;

	snprintf(f->path, sizeof(f->path), "/tmp/lotsen-router-XXXXXX");
	fd = mkstemp(f->path);
	if (fd < 0)
		return -1;
	close(fd);
	if (db_open(&f->db, f->path, &(struct db_opts){.durability = DB_DURABLE_NORMAL}) ||
	    schema_migrate(f->db) || db_exec(f->db, users_sql))
		return -1;
	if (auth_login_session(f->db, &(struct principal){.id = 1, .role = ROLE_AGENT}, NOW, 3600,
	                       f->agent) ||
	    auth_login_session(f->db, &(struct principal){.id = 2, .role = ROLE_GROUP_LEAD}, NOW,
	                       3600, f->lead))
		return -1;
	f->app.db = f->db;
	f->app.token_ttl_s = 3600;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, access_h, f,
	                        MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_UNESCAPE_CALLBACK,
	                        router_unescape_h, NULL, MHD_OPTION_END);
	if (!f->d)
		return -1;
	info = MHD_get_daemon_info(f->d, MHD_DAEMON_INFO_BIND_PORT);
	if (!info || !info->port)
		return -1;
	f->port = info->port;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char p[80];

	MHD_stop_daemon(f->d);
	db_close(f->db);
	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	free(f);
	return 0;
}

/* Send one request (target as written on the wire) and read the whole answer. */
static void ask(struct fixture *f, const char *method, const char *target, const char *token,
                const char *lang, struct answer *a)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(f->port)};
	char req[1024], auth[128] = "", al[64] = "", *buf = malloc(65536), *body, *ct;
	size_t n = 0;
	ssize_t got;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (token)
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s\r\n", token);
	if (lang)
		snprintf(al, sizeof(al), "Accept-Language: %s\r\n", lang);
	snprintf(req, sizeof(req),
	         "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%sContent-Length: 0\r\n"
	         "Connection: close\r\n\r\n",
	         method, target, auth, al);
	assert_int_equal(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	while ((got = recv(fd, buf + n, 65535 - n, 0)) > 0)
		n += (size_t)got;
	close(fd);
	buf[n] = '\0';
	memset(a, 0, sizeof(*a));
	assert_int_equal(sscanf(buf, "HTTP/1.1 %u", &a->status), 1);
	ct = strstr(buf, "Content-Type: ");
	if (ct)
		sscanf(ct + 14, "%95[^\r]", a->ctype);
	body = strstr(buf, "\r\n\r\n");
	assert_non_null(body);
	a->body = json_loads(body + 4, 0, NULL);
	free(buf);
}

static void done(struct answer *a)
{
	json_decref(a->body);
	a->body = NULL;
}

static const char *field(const struct answer *a, const char *key)
{
	return json_string_value(json_object_get(a->body, key));
}

/* A problem of type `type` (the slug after #problem-). */
static void is_problem(const struct answer *a, unsigned status, const char *type)
{
	char t[96];

	assert_int_equal(a->status, status);
	assert_string_equal(a->ctype, "application/problem+json; charset=utf-8");
	snprintf(t, sizeof(t), "/docs/api.md#problem-%s", type);
	assert_string_equal(field(a, "type"), t);
	assert_int_equal(json_integer_value(json_object_get(a->body, "status")), status);
}

/* ---- routing ---- */

static void test_literal_paths_and_the_trailing_slash(void **state)
{
	struct fixture *f = *state;
	struct answer a;

	ask(f, "GET", "/healthz", NULL, NULL, &a);
	assert_int_equal(a.status, 200);
	assert_string_equal(field(&a, "database"), "ok");
	done(&a);
	ask(f, "GET", "/healthz/", NULL, NULL, &a);
	assert_int_equal(a.status, 200);
	done(&a);
	ask(f, "GET", "/healthz//", NULL, NULL, &a);
	is_problem(&a, 404, "not-found");
	done(&a);
	ask(f, "GET", "/healthzz", NULL, NULL, &a);
	is_problem(&a, 404, "not-found");
	done(&a);
	ask(f, "GET", "/api/v1/no-such-thing", NULL, NULL, &a);
	is_problem(&a, 404, "not-found");
	assert_string_equal(field(&a, "detail"), "Ingen resurs på /api/v1/no-such-thing.");
	done(&a);
}

static void test_method_mismatch_is_405_unknown_path_404(void **state)
{
	struct fixture *f = *state;
	struct answer a;

	ask(f, "POST", "/healthz", NULL, NULL, &a);
	is_problem(&a, 405, "method-not-allowed");
	done(&a);
	/* The path is known with {id}: another method is 405 too, before any login. */
	ask(f, "PUT", "/api/v1/cases/12", NULL, "en", &a);
	is_problem(&a, 405, "method-not-allowed");
	assert_string_equal(field(&a, "detail"), "PUT is not supported for /api/v1/cases/12.");
	done(&a);
	ask(f, "PUT", "/api/v1/nothing/12", NULL, NULL, &a);
	is_problem(&a, 404, "not-found");
	done(&a);
}

static void test_id_parameters(void **state)
{
	struct fixture *f = *state;
	struct answer a;

	/* A matching {id} reaches the handler: login first, then the case is looked up. */
	ask(f, "GET", "/api/v1/cases/12", NULL, NULL, &a);
	is_problem(&a, 401, "unauthorized");
	done(&a);
	ask(f, "GET", "/api/v1/cases/12", f->agent, NULL, &a);
	is_problem(&a, 404, "not-found");
	assert_string_equal(field(&a, "detail"), "Det finns inget ärende med id 12.");
	done(&a);
	/* What is not a positive 64-bit id matches no route at all. */
	static const char *const bad[] = {"/api/v1/cases/0", "/api/v1/cases/-1",
	                                  "/api/v1/cases/12x", "/api/v1/cases/x12",
	                                  "/api/v1/cases/9223372036854775808"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ask(f, "GET", bad[i], f->agent, NULL, &a);
		is_problem(&a, 404, "not-found");
		assert_true(strncmp(field(&a, "detail"), "Ingen resurs på", 15) == 0);
		done(&a);
	}
	ask(f, "GET", "/api/v1/cases/9223372036854775807", f->agent, NULL, &a);
	is_problem(&a, 404, "not-found");
	assert_string_equal(field(&a, "detail"),
	                    "Det finns inget ärende med id 9223372036854775807.");
	done(&a);
	/* {id32}: the queue's ids stop below 2^32. The route matched answers that the queue
	 * is not running here; the one past it matches nothing. */
	ask(f, "GET", "/api/v1/acd/agents/4294967295", f->lead, NULL, &a);
	is_problem(&a, 503, "queue-unavailable");
	done(&a);
	ask(f, "GET", "/api/v1/acd/agents/4294967296", f->lead, NULL, &a);
	is_problem(&a, 404, "not-found");
	done(&a);
}

static void test_login_and_roles(void **state)
{
	struct fixture *f = *state;
	struct answer a;

	ask(f, "GET", "/api/v1/me", "not-a-token", NULL, &a);
	is_problem(&a, 401, "unauthorized");
	done(&a);
	ask(f, "GET", "/api/v1/me", f->agent, NULL, &a);
	assert_int_equal(a.status, 200);
	assert_string_equal(field(&a, "username"), "anna");
	assert_string_equal(field(&a, "role"), "agent");
	done(&a);
	/* The audit log is for managers and admins. */
	ask(f, "GET", "/api/v1/audit", f->agent, NULL, &a);
	is_problem(&a, 403, "forbidden");
	assert_string_equal(field(&a, "detail"),
	                    "Rollen agent får inte använda GET /api/v1/audit.");
	done(&a);
}

static void test_percent_decoding_and_text_that_is_not_utf8(void **state)
{
	struct fixture *f = *state;
	struct answer a;
	json_t *e;

	ask(f, "GET", "/heal%74hz", NULL, NULL, &a);
	assert_int_equal(a.status, 200);
	done(&a);
	ask(f, "GET", "/healthz?q=%C3%A5ngest", NULL, NULL, &a);
	assert_int_equal(a.status, 200);
	done(&a);
	/* A path byte that is no UTF-8: the 400 names the path. */
	ask(f, "GET", "/api/v1/x%FF", NULL, NULL, &a);
	is_problem(&a, 400, "bad-query");
	e = json_array_get(json_object_get(a.body, "errors"), 0);
	assert_string_equal(json_string_value(json_object_get(e, "field")), "path");
	done(&a);
	/* An overlong form, a lone continuation byte and a NUL in the query name the key. */
	static const char *const bad[] = {"/healthz?q=%C0%AF", "/healthz?q=%80",
	                                  "/healthz?q=a%00b"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ask(f, "GET", bad[i], NULL, "en", &a);
		is_problem(&a, 400, "bad-query");
		e = json_array_get(json_object_get(a.body, "errors"), 0);
		assert_string_equal(json_string_value(json_object_get(e, "field")), "q");
		assert_string_equal(json_string_value(json_object_get(e, "message")),
		                    "must be UTF-8 text without NUL characters (%00)");
		done(&a);
	}
	/* A NUL in the path does not cut it short (index.html%00.txt is not index.html). */
	ask(f, "GET", "/healthz%00.txt", NULL, NULL, &a);
	is_problem(&a, 400, "bad-query");
	done(&a);
}

/* ---- the problem answers ---- */

static void test_resp_domain_maps_the_errno(void **state)
{
	struct fixture *f = *state;
	struct answer a;

	ask(f, "GET", "/t/enoent", NULL, NULL, &a);
	is_problem(&a, 404, "not-found");
	assert_string_equal(field(&a, "detail"), "Det finns inget ärende med id 7.");
	assert_string_equal(field(&a, "title"), "Finns inte");
	done(&a);
	ask(f, "GET", "/t/enoent", NULL, "en-GB", &a);
	assert_string_equal(field(&a, "detail"), "There is no case with id 7.");
	done(&a);
	ask(f, "GET", "/t/eperm", NULL, NULL, &a);
	is_problem(&a, 403, "forbidden");
	assert_string_equal(field(&a, "detail"), "Ärendet är sekretessmarkerat.");
	done(&a);
	ask(f, "GET", "/t/eacces", NULL, "en", &a);
	is_problem(&a, 403, "forbidden");
	assert_string_equal(field(&a, "detail"), "Your role may not access case.");
	done(&a);
	ask(f, "GET", "/t/eexist", NULL, NULL, &a);
	is_problem(&a, 409, "conflict");
	done(&a);
	ask(f, "GET", "/t/ebusy", NULL, NULL, &a);
	is_problem(&a, 503, "busy");
	done(&a);
	ask(f, "GET", "/t/enospc", NULL, NULL, &a);
	is_problem(&a, 503, "storage");
	done(&a);
	ask(f, "GET", "/t/eproto", NULL, NULL, &a);
	is_problem(&a, 500, "internal");
	done(&a);
	ask(f, "GET", "/t/ok", NULL, NULL, &a);
	assert_int_equal(a.status, 204);
	done(&a);
}

static void test_field_errors_as_json(void **state)
{
	struct fixture *f = *state;
	struct answer a;
	json_t *errors;

	ask(f, "GET", "/t/fields", NULL, NULL, &a);
	is_problem(&a, 422, "validation");
	assert_string_equal(field(&a, "title"), "Ogiltiga uppgifter");
	/* Every field at once, in order; the detail repeats the first. */
	errors = json_object_get(a.body, "errors");
	assert_int_equal(json_array_size(errors), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(errors, 0), "field")),
	                    "summary");
	assert_string_equal(
	        json_string_value(json_object_get(json_array_get(errors, 0), "message")),
	        "måste anges");
	assert_string_equal(json_string_value(json_object_get(json_array_get(errors, 1), "field")),
	                    "outcome");
	assert_string_equal(
	        json_string_value(json_object_get(json_array_get(errors, 1), "message")),
	        "okänt värde lost");
	assert_string_equal(field(&a, "detail"), "summary: måste anges");
	done(&a);
	ask(f, "GET", "/t/fields", NULL, "en", &a);
	assert_string_equal(field(&a, "title"), "Invalid data");
	assert_string_equal(field(&a, "detail"), "summary: is required");
	done(&a);
	/* The domain may say a referenced row is the problem: its status is kept. */
	ask(f, "GET", "/t/fields-404", NULL, NULL, &a);
	is_problem(&a, 404, "validation");
	assert_int_equal(json_array_size(json_object_get(a.body, "errors")), 2);
	done(&a);
	/* Not found wins over field errors found on the way. */
	ask(f, "GET", "/t/enoent-fields", NULL, NULL, &a);
	is_problem(&a, 404, "not-found");
	assert_null(json_object_get(a.body, "errors"));
	done(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_literal_paths_and_the_trailing_slash),
	        cmocka_unit_test(test_method_mismatch_is_405_unknown_path_404),
	        cmocka_unit_test(test_id_parameters),
	        cmocka_unit_test(test_login_and_roles),
	        cmocka_unit_test(test_percent_decoding_and_text_that_is_not_utf8),
	        cmocka_unit_test(test_resp_domain_maps_the_errno),
	        cmocka_unit_test(test_field_errors_as_json),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
