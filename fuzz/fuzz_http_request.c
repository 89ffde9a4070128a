/* The HTTP request path without a socket: method, path, query string, login and JSON body
 * go through router_dispatch to the handlers, as libmicrohttpd would hand them over.
 *
 * Input: one byte choosing who asks (none, admin, agent, manager, group lead; bit 3 asks
 * in English), then "METHOD TARGET\n", then the body. The connection's look-ups
 * (query arguments, headers) are answered here, from the parsed target. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>
#include <re_types.h>
#include <re_main.h>

#include "core/auth.h"
#include "core/demo.h"
#include "fuzz_db.h"
#include "http/http_int.h"

#define MAX_ARGS 16

struct fake_conn {
	char *key[MAX_ARGS]; /* query argument names, unescaped */
	char *val[MAX_ARGS]; /* their values, unescaped; NULL for "?flag" */
	size_t klen[MAX_ARGS], vlen[MAX_ARGS];
	size_t n;
	const char *auth; /* Authorization header or NULL */
	const char *lang; /* Accept-Language */
};

/* ---- libmicrohttpd's connection look-ups, answered from the fake connection ---- */

const char *MHD_lookup_connection_value(struct MHD_Connection *connection, enum MHD_ValueKind kind,
                                        const char *key)
{
	struct fake_conn *c = (struct fake_conn *)connection;

	if (!c || !key)
		return NULL;
	if (kind & MHD_GET_ARGUMENT_KIND) {
		for (size_t i = 0; i < c->n; i++)
			if (strcmp(c->key[i], key) == 0)
				return c->val[i];
	}
	if (kind & MHD_HEADER_KIND) {
		if (strcasecmp(key, "Authorization") == 0)
			return c->auth;
		if (strcasecmp(key, "Accept-Language") == 0)
			return c->lang;
	}
	return NULL;
}

int MHD_get_connection_values(struct MHD_Connection *connection, enum MHD_ValueKind kind,
                              MHD_KeyValueIterator iterator, void *iterator_cls)
{
	struct fake_conn *c = (struct fake_conn *)connection;
	int n = 0;

	if (!c || !(kind & MHD_GET_ARGUMENT_KIND))
		return 0;
	for (size_t i = 0; i < c->n; i++) {
		n++;
		if (iterator &&
		    iterator(iterator_cls, MHD_GET_ARGUMENT_KIND, c->key[i], c->val[i]) != MHD_YES)
			break;
	}
	return n;
}

int MHD_get_connection_values_n(struct MHD_Connection *connection, enum MHD_ValueKind kind,
                                MHD_KeyValueIteratorN iterator, void *iterator_cls)
{
	struct fake_conn *c = (struct fake_conn *)connection;
	int n = 0;

	if (!c || !(kind & MHD_GET_ARGUMENT_KIND))
		return 0;
	for (size_t i = 0; i < c->n; i++) {
		n++;
		if (iterator && iterator(iterator_cls, MHD_GET_ARGUMENT_KIND, c->key[i], c->klen[i],
		                         c->val[i], c->val[i] ? c->vlen[i] : 0) != MHD_YES)
			break;
	}
	return n;
}

const union MHD_ConnectionInfo *MHD_get_connection_info(struct MHD_Connection *connection,
                                                        enum MHD_ConnectionInfoType info_type, ...)
{
	(void)connection;
	(void)info_type;
	return NULL; /* no peer address: as a connection whose address is unknown */
}

/* ---- the server around the router ---- */

static struct app app;
static struct sse_hub *hub;
static char tokens[4][AUTH_TOKEN_LEN + 1];

static void setup(void)
{
	static const char *const users[4] = {"admin", "anna", "chef.stod", "lead.aldre"};
	struct principal who;

	if (libre_init())
		abort();
	app.db = fuzz_db(true);
	app.db_path = ":memory:";
	app.token_ttl_s = 12 * 3600;
	app.max_body = 1 << 20;
	app.municipality = "Lotsens kommun";
	app.static_dir = LOTSEN_SOURCE_DIR "/web";
	if (acd_host_alloc(&app.acd, app.db, (uint64_t)FUZZ_NOW * 1000, false) ||
	    sse_hub_alloc(&hub))
		abort();
	for (int i = 0; i < 4; i++)
		if (auth_login(app.db, users[i], DEMO_PASSWORD, FUZZ_NOW, app.token_ttl_s,
		               tokens[i], &who))
			abort();
}

/* Split "a=b&c" into the fake connection, unescaping as the server does. */
static void parse_query(struct fake_conn *c, char *q)
{
	while (q && *q && c->n < MAX_ARGS) {
		char *amp = strchr(q, '&'), *eq;

		if (amp)
			*amp = '\0';
		eq = strchr(q, '=');
		if (eq)
			*eq = '\0';
		c->key[c->n] = q;
		c->klen[c->n] = router_unescape_h(NULL, NULL, q);
		c->val[c->n] = eq ? eq + 1 : NULL;
		c->vlen[c->n] = eq ? router_unescape_h(NULL, NULL, eq + 1) : 0;
		c->n++;
		q = amp ? amp + 1 : NULL;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static bool ready;

/* libFuzzer calls this before its -timeout clock runs: opening the demo database takes
 * seconds of wall time at nice 19 on a busy machine, which is no hang of Lotsen's. The
 * seed replay (tests/unit/fuzz_replay.c) does not call it; the first input sets up. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setup();
	ready = true;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char auth[8 + AUTH_TOKEN_LEN + 1];
	struct fake_conn c = {0};
	struct req r = {0};
	char *line, *nl, *sp, *target, *q;
	size_t n;
	int who;

	if (!ready) {
		setup();
		ready = true;
	}
	if (size < 2 || size > 65536)
		return 0;
	who = data[0] % 5;
	c.lang = data[0] & 8 ? "en" : "sv";
	if (who) {
		snprintf(auth, sizeof(auth), "Bearer %s", tokens[who - 1]);
		c.auth = auth;
	}
	line = malloc(size);
	if (!line)
		return 0;
	memcpy(line, data + 1, size - 1);
	line[size - 1] = '\0';
	nl = memchr(line, '\n', size - 1);
	if (!nl)
		goto out;
	*nl = '\0';
	sp = strchr(line, ' ');
	if (!sp)
		goto out;
	*sp = '\0';
	target = sp + 1;
	/* The event stream holds its connection open: nothing to fuzz without a socket. */
	if (strstr(target, "stream"))
		goto out;
	q = strchr(target, '?');
	if (q)
		*q++ = '\0';
	router_unescape_h(NULL, NULL, target);
	parse_query(&c, q);

	n = size - 1 - (size_t)(nl + 1 - line);
	r.body = malloc(n + 1);
	if (!r.body)
		goto out;
	memcpy(r.body, data + 1 + (nl + 1 - line), n);
	r.body[n] = '\0';
	r.body_len = n;
	r.conn = (struct MHD_Connection *)&c;
	r.app = &app;
	r.method = line;
	r.path = target;
	r.lang = c.lang;
	r.now = FUZZ_NOW;
	r.sse = hub;
	router_dispatch(&r);
	if (r.resp)
		MHD_destroy_response(r.resp);
	free(r.body);
out:
	free(line);
	return 0;
}
