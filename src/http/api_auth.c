/* Login, logout, who am I, and the health check. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "acdhost/acd_host.h"
#include "base/log.h"
#include "base/ratelimit.h"
#include "core/audit.h"
#include "http/http_int.h"
#include "store/db.h"
#include "tel/tel.h"

static int healthz(struct req *r)
{
	int ok = db_ping(r->app->db) == 0;
	int werr = ok ? db_writable(r->app->db, r->now) : 0;
	const char *database = !ok ? "unavailable" : werr ? "read-only" : "ok";
	json_t *j;

	j = json_pack("{s:s,s:s}", "status", ok && !werr ? "ok" : "degraded", "database", database);
	/* Reads still work but writes fail: why, so an operator knows where to look. */
	if (j && werr)
		json_object_set_new(j, "storage",
		                    json_string(werr == ENOSPC  ? "disk-full"
		                                : werr == EROFS ? "read-only-mount"
		                                                : "write-failed"));
	/* The loop's longest callback lately: a long read on it would stall every call. */
	if (j && r->http) {
		/* to a tenth of a millisecond */
		double lag = (double)(int64_t)(http_loop_max_ms(r->http) * 10 + 0.5) / 10;
		double probe = (double)(int64_t)(http_loop_probe_ms(r->http) * 10 + 0.5) / 10;
		double cpu = (double)(int64_t)(http_loop_cpu_ms(r->http) * 10 + 0.5) / 10;

		json_object_set_new(j, "loop_max_ms", json_real(lag));
		json_object_set_new(j, "loop_probe_ms", json_real(probe));
		json_object_set_new(j, "loop_max_cpu_ms", json_real(cpu));
	}
	if (j && r->app->node)
		json_object_set_new(j, "node", json_string(r->app->node));
	/* Which node runs the queue engine: "holder" here, "standby" when another does. */
	if (j)
		json_object_set_new(j, "queue",
		                    json_string(r->app->acd         ? "holder"
		                                : r->app->clustered ? "standby"
		                                                    : "stopped"));
	/* Several nodes: whether the e-mail, report delivery and retention run here. */
	if (j && r->app->clustered)
		json_object_set_new(j, "jobs", json_string(r->app->mail ? "here" : "elsewhere"));
	if (j && r->app->tel) {
		/* Calls on the phone network now: an operator (and the tests) see that every
		 * hang-up let its call go. */
		uint32_t calls, surveys;
		tel_counts(r->app->tel, &calls, &surveys);
		json_object_set_new(j, "sip_calls", json_integer(calls));
		json_object_set_new(j, "sip_surveys", json_integer(surveys));
	}
	return resp_json(r, ok && !werr ? 200 : 503, j);
}

static void audit_login(struct req *r, int64_t user_id, const char *username, bool ok)
{
	(void)audit_record(r->app->db, r->now, user_id, ok ? "login" : "login_failed", "user",
	                   user_id, username);
}

/* A login on its way: looked up on the loop, verified on a worker, answered on the loop. */
struct login {
	char user[128];       /* the username as given (cut at 127 bytes) */
	char addr[64];        /* the client's address, "unknown" when not known */
	char hash[128];       /* the user's password hash, or the dummy for unknown users */
	char *password;       /* owned; wiped and freed with the login */
	struct principal who; /* the user, id 0 when unknown */
	bool verified;        /* the worker's verdict */
};

static void login_free(struct login *l)
{
	if (!l)
		return;
	if (l->password) {
		sodium_memzero(l->password, strlen(l->password));
		free(l->password);
	}
	free(l);
}

static void login_verify_h(void *arg)
{
	struct login *l = arg;

	l->verified = auth_password_verify(l->hash, l->password);
}

/* Several wrong passwords in a short while, for the username or from the address: the
 * login is refused before its password is looked at, right or wrong. */
static int login_throttled(struct req *r, const char *user, const char *addr)
{
	int64_t now = acd_now_ms();
	unsigned retry = 0, r2 = 0;
	bool by_user = !ratelimit_check(r->app->login_user_limit, user, now, &retry);
	bool by_addr = !ratelimit_check(r->app->login_addr_limit, addr, now, &r2);
	char secs[16];

	if (!by_user && !by_addr)
		return 0;
	if (by_addr && r2 > retry)
		retry = r2;
	log_warn("auth.login_throttled", "user=\"%.64s\" addr=%s by=%s retry_s=%u", user, addr,
	         by_user ? "user" : "address", retry);
	resp_error(r, 429, "too-many-logins",
	           L(r, "För många inloggningsförsök", "Too many login attempts"),
	           L(r,
	             "För många felaktiga lösenord på kort tid. Försök igen om %u sekunder "
	             "eller be en administratör om ett nytt lösenord.",
	             "Too many wrong passwords in a short while. Try again in %u seconds or "
	             "ask an administrator for a new password."),
	           retry);
	snprintf(secs, sizeof(secs), "%u", retry);
	resp_header(r, "Retry-After", secs);
	return 1;
}

static void login_answer_h(struct req *r, void *arg)
{
	struct login *l = arg;
	char token[AUTH_TOKEN_LEN + 1];
	int err = 0;

	if (l->verified && l->who.id && sso_password_refused(r, &l->who)) {
		login_free(l);
		return;
	}
	if (l->verified && l->who.id)
		err = auth_login_session(r->app->db, &l->who, r->now, r->app->token_ttl_s, token);
	else
		err = EPERM;
	audit_login(r, err ? 0 : l->who.id, l->user, err == 0);
	if (err == EPERM) {
		int64_t now = acd_now_ms();
		ratelimit_take(r->app->login_user_limit, l->user, now);
		ratelimit_take(r->app->login_addr_limit, l->addr, now);
		log_warn("auth.login_failed", "user=\"%.64s\" addr=%s", l->user, l->addr);
		resp_error(r, 401, "bad-credentials",
		           L(r, "Fel inloggningsuppgifter", "Wrong credentials"), "%s",
		           L(r, "Användarnamn eller lösenord är fel.",
		             "The username or password is wrong."));
	} else if (err) {
		resp_store_error(r, err, "session");
	} else {
		resp_json(r, 200,
		          json_pack("{s:s,s:I,s:s,s:I,s:I}", "token", token, "user_id",
		                    (json_int_t)l->who.id, "role", role_name(l->who.role),
		                    "expires_in", (json_int_t)r->app->token_ttl_s, "client_id",
		                    (json_int_t)l->who.client_id));
		sodium_memzero(token, sizeof(token));
	}
	login_free(l);
}

/* The password is verified (argon2id, tens of milliseconds) on a worker thread, so a flood
 * of logins does not hold up calls or other requests; unknown users verify against a
 * dummy hash, at the same cost. */
static int login(struct req *r)
{
	struct problem p;
	json_t *in;
	const char *user, *pass;
	struct login *l = NULL;
	int err;

	if (req_json_object(r, &in))
		return 0;
	problem_init(&p);
	p.status = 400;
	user = json_string_value(json_object_get(in, "username"));
	pass = json_string_value(json_object_get(in, "password"));
	if (!user || !*user)
		valid_add(&p.errors, "username", "%s",
		          L(r, "måste anges som en text", "is required, as a string"));
	if (!pass || !*pass)
		valid_add(&p.errors, "password", "%s",
		          L(r, "måste anges som en text", "is required, as a string"));
	if (valid_has_errors(&p.errors)) {
		json_decref(in);
		return resp_problem(r, &p);
	}
	if (sso_password_refused(r, NULL)) {
		json_decref(in);
		return 0;
	}
	l = calloc(1, sizeof(*l));
	if (!l || !(l->password = strdup(pass))) {
		err = ENOMEM;
		goto out;
	}
	snprintf(l->user, sizeof(l->user), "%s", user);
	if (req_client_addr(r, l->addr, sizeof(l->addr)) != 0)
		snprintf(l->addr, sizeof(l->addr), "unknown");
	if (login_throttled(r, l->user, l->addr)) {
		err = 0;
		goto out;
	}
	err = auth_login_lookup(r->app->db, user, l->hash, &l->who); /* the name uncut */
	if (err && err != ENOENT)
		goto out;
	err = req_defer(r, login_verify_h, login_answer_h, l);
	if (err == 0)
		l = NULL; /* login_answer_h frees it */
out:
	json_decref(in);
	login_free(l);
	if (err == EBUSY) {
		resp_error(r, 503, "busy", L(r, "Upptagen", "Busy"), "%s",
		           L(r, "Många loggar in just nu; försök igen om en sekund.",
		             "Many are logging in right now; try again in a second."));
		resp_header(r, "Retry-After", "1");
	} else if (err) {
		resp_store_error(r, err, "session");
	}
	return 0;
}

static int logout(struct req *r)
{
	const char *h = req_header(r, "Authorization");

	if (h && strncmp(h, "Bearer ", 7) == 0)
		auth_logout(r->app->db, h + 7);
	return resp_empty(r, 204);
}

static int me(struct req *r)
{
	json_t *o;
	int err = auth_user_json(r->app->db, r->who.id, &o);

	if (err)
		return resp_store_error(r, err, "user");
	return resp_json(r, 200, o);
}

const struct route api_auth_routes[] = {
        {"GET", "/healthz", 0, healthz},
        {"POST", "/api/v1/login", 0, login},
        {"POST", "/api/v1/logout", ROLES_ANY, logout},
        {"GET", "/api/v1/me", ROLES_ANY, me},
        {NULL, NULL, 0, NULL},
};
