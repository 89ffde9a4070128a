/* OpenID Connect login: whether it is on, the way to the provider and back, the ticket the
 * login page trades for a session, and local passwords turned off. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "acdhost/acd_host.h"
#include "base/log.h"
#include "base/ratelimit.h"
#include "core/audit.h"
#include "http/http_int.h"
#include "sso/sso.h"

/* ------------------------------------------------------------------------------------
 * helpers */

/* The page to come back to: "agent.html" or "case.html?id=12", never another site (the
 * login page's own rule). */
static bool next_ok(const char *s)
{
	const char *p = s;

	if (!s || !*s || strlen(s) >= 100)
		return false;
	while (*p >= 'a' && *p <= 'z')
		p++;
	if (p == s || strncmp(p, ".html", 5) != 0)
		return false;
	p += 5;
	if (!*p)
		return true;
	if (*p++ != '?')
		return false;
	{
		const char *k = p;
		while ((*p >= 'a' && *p <= 'z') || *p == '_')
			p++;
		if (p == k || *p++ != '=')
			return false;
	}
	if (!(*p >= '0' && *p <= '9'))
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	return *p == '\0';
}

/* A 302 to `location`, never cached. */
static int redirect(struct req *r, const char *location)
{
	resp_empty(r, 302);
	resp_header(r, "Location", location);
	resp_header(r, "Cache-Control", "no-store");
	resp_header(r, "Referrer-Policy", "no-referrer");
	return 0;
}

/* Back to the login page: with the ticket on success, else with the refusal's code. */
static int to_login_page(struct req *r, const char *ticket, const char *reason, const char *next)
{
	char loc[256];
	char enc[128] = "";

	if (next && next_ok(next)) {
		/* "case.html?id=12" → "case.html%3Fid%3D12" */
		size_t o = 0;
		for (const char *p = next; *p && o + 4 < sizeof(enc); p++) {
			if (*p == '?' || *p == '=') {
				o += (size_t)snprintf(enc + o, sizeof(enc) - o, "%%%02X",
				                      (unsigned)*p);
			} else {
				enc[o++] = *p;
				enc[o] = '\0';
			}
		}
	}
	if (ticket)
		snprintf(loc, sizeof(loc), "/?sso=%s%s%s", ticket, enc[0] ? "&next=" : "", enc);
	else
		snprintf(loc, sizeof(loc), "/?sso_error=%s%s%s", reason, enc[0] ? "&next=" : "",
		         enc);
	return redirect(r, loc);
}

static void audit_sso(struct req *r, int64_t user_id, bool ok, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/* The audit log's login and login_failed rows, with the client's address. */
static void audit_sso(struct req *r, int64_t user_id, bool ok, const char *fmt, ...)
{
	char detail[600], addr[64];
	int n;
	va_list ap;

	if (req_client_addr(r, addr, sizeof(addr)) != 0)
		snprintf(addr, sizeof(addr), "unknown");
	n = snprintf(detail, sizeof(detail), "sso addr=%s ", addr);
	va_start(ap, fmt);
	vsnprintf(detail + n, sizeof(detail) - (size_t)n, fmt, ap);
	va_end(ap);
	audit_record(r->app->db, r->now, user_id, ok ? "login" : "login_failed", "user", user_id,
	             detail);
}

int sso_password_refused(struct req *r, const struct principal *who)
{
	int mode = r->app->local_passwords;

	if (mode == SSO_PASSWORDS_ON || (mode == SSO_PASSWORDS_ADMINS && !who) ||
	    (mode == SSO_PASSWORDS_ADMINS && who->role == ROLE_ADMIN))
		return 0;
	resp_error(r, 403, "local-passwords-off",
	           L(r, "Inloggning med lösenord är avstängd", "Password login is turned off"),
	           "%s",
	           r->app->sso ? L(r, "Logga in med kommunens konto.",
	                           "Log in with the municipality's account.")
	                       : L(r, "Be en administratör om hjälp.", "Ask an administrator."));
	return 1;
}

/* ------------------------------------------------------------------------------------
 * GET /api/v1/sso */

static int sso_info(struct req *r)
{
	int mode = r->app->local_passwords;

	return resp_json(r, 200,
	                 json_pack("{s:b,s:s}", "enabled", r->app->sso != NULL, "local_passwords",
	                           mode == SSO_PASSWORDS_OFF      ? "off"
	                           : mode == SSO_PASSWORDS_ADMINS ? "admins"
	                                                          : "on"));
}

static int sso_off(struct req *r)
{
	return resp_error(r, 404, "sso-off",
	                  L(r, "Inloggning med kommunens konto finns inte",
	                    "Login with the municipality's account is not set up"),
	                  "%s",
	                  L(r, "Lotsen har ingen OpenID Connect-leverantör inställd (oidc-issuer).",
	                    "Lotsen has no OpenID Connect provider set (oidc-issuer)."));
}

/* ------------------------------------------------------------------------------------
 * GET /api/v1/sso/start */

struct start {
	struct sso *sso; /* borrowed */
	int64_t now;     /* the request's time */
	char state[44];  /* the new login's state, nonce and PKCE verifier */
	char nonce[44];
	char verifier[44];
	char challenge[44]; /* S256 of the verifier */
	char next[128];     /* the page to come back to, or "" */
	char *url;          /* the provider's authorize URL (owned) */
	char why[300];      /* why there is none, for the log */
	int err;
};

static void start_work_h(void *arg)
{
	struct start *st = arg;

	st->err = sso_authorize_url(st->sso, st->now, st->state, st->nonce, st->challenge, &st->url,
	                            st->why, sizeof(st->why));
}

static void start_answer_h(struct req *r, void *arg)
{
	struct start *st = arg;
	int err = st->err;

	if (err) {
		log_warn("sso.provider_unreachable", "error=\"%s\"", st->why);
		to_login_page(r, NULL, SSO_REFUSED_IDP, st->next);
	} else if ((err = sso_pending_put(r->app->db, st->state, st->nonce, st->verifier, st->next,
	                                  r->now)) != 0) {
		log_warn("sso.start", "error=\"%s\"", strerror(err));
		to_login_page(r, NULL, "storage", st->next);
	} else {
		redirect(r, st->url);
	}
	sodium_memzero(st->verifier, sizeof(st->verifier));
	free(st->url);
	free(st);
}

static int sso_start(struct req *r)
{
	struct start *st;
	const char *next = req_query(r, "next");
	int err;

	if (!r->app->sso)
		return sso_off(r);
	st = calloc(1, sizeof(*st));
	if (!st)
		return resp_store_error(r, ENOMEM, "sso");
	st->sso = r->app->sso;
	st->now = r->now;
	sso_random(st->state);
	sso_random(st->nonce);
	sso_random(st->verifier);
	sso_pkce_challenge(st->verifier, st->challenge);
	if (next_ok(next))
		snprintf(st->next, sizeof(st->next), "%s", next);
	err = req_defer_net(r, start_work_h, start_answer_h, st);
	if (err) {
		free(st);
		return to_login_page(r, NULL, SSO_REFUSED_IDP, next);
	}
	return 0;
}

/* ------------------------------------------------------------------------------------
 * GET /api/v1/sso/callback */

struct callback {
	struct sso *sso; /* borrowed */
	int64_t now;     /* the request's time */
	char *code;      /* the provider's code (owned) */
	char nonce[64];  /* of the login under way */
	char verifier[64];
	char next[128];
	struct sso_identity id; /* who the provider says it is (owned) */
	const char *reason;     /* SSO_REFUSED_* when refused */
	char why[300];          /* for the log */
	int err;
};

static void callback_free(struct callback *cb)
{
	if (!cb)
		return;
	if (cb->code) {
		sodium_memzero(cb->code, strlen(cb->code));
		free(cb->code);
	}
	sodium_memzero(cb->verifier, sizeof(cb->verifier));
	sso_identity_clear(&cb->id);
	free(cb);
}

static void callback_work_h(void *arg)
{
	struct callback *cb = arg;

	cb->err = sso_exchange(cb->sso, cb->code, cb->verifier, cb->nonce, cb->now, &cb->id,
	                       &cb->reason, cb->why, sizeof(cb->why));
}

static void refused(struct req *r, const char *reason, const char *sub, const char *why,
                    const char *next)
{
	char addr[64];

	if (req_client_addr(r, addr, sizeof(addr)) != 0)
		snprintf(addr, sizeof(addr), "unknown");
	log_warn("sso.login_refused", "reason=%s sub=\"%.64s\" addr=%s why=\"%s\"", reason,
	         sub ? sub : "", addr, why ? why : "");
	/* A refusal counts as a wrong password of the address (login-address-limit), so
	 * made-up callbacks cannot fill the audit log. */
	ratelimit_take(r->app->login_addr_limit, addr, acd_now_ms());
	audit_sso(r, 0, false, "reason=%s sub=%.128s", reason, sub ? sub : "");
	to_login_page(r, NULL, reason, next);
}

static void callback_answer_h(struct req *r, void *arg)
{
	struct callback *cb = arg;
	const struct sso_map *map = sso_role_map(cb->sso);
	struct sso_grant g;
	struct principal who = {0};
	char ticket[44], groups[300] = "";
	size_t o = 0;
	int err;

	if (cb->err) {
		refused(r, cb->reason ? cb->reason : SSO_REFUSED_IDP, NULL, cb->why, cb->next);
		goto out;
	}
	for (size_t i = 0; i < cb->id.ngroups && o + 2 < sizeof(groups); i++)
		o += (size_t)snprintf(groups + o, sizeof(groups) - o, "%s%s", i ? "," : "",
		                      cb->id.groups[i]);
	if (o >= sizeof(groups))
		o = sizeof(groups) - 1;
	if (sso_map_apply(map, (const char *const *)cb->id.groups, cb->id.ngroups, &g) != 0) {
		char why[400];
		snprintf(why, sizeof(why), "no mapped group in [%s]", groups);
		refused(r, SSO_REFUSED_NO_ROLE, cb->id.sub, why, cb->next);
		goto out;
	}
	err = sso_user_login(r->app->db, map, sso_issuer(cb->sso), &cb->id, &g, r->now, &who);
	if (err == EEXIST || err == EPERM) {
		refused(r, SSO_REFUSED_ACCOUNT, cb->id.sub,
		        err == EEXIST ? "the username belongs to another account"
		                      : "the user is deactivated in Lotsen",
		        cb->next);
		goto out;
	}
	if (!err)
		err = sso_ticket_put(r->app->db, who.id, r->now, ticket);
	if (err) {
		log_error("sso.login",
		          "sub=\"%.64s\" error=\"%s\" (a client or group of the role "
		          "map that does not exist?)",
		          cb->id.sub, strerror(err));
		to_login_page(r, NULL, "storage", cb->next);
		goto out;
	}
	audit_sso(r, who.id, true, "sub=%.128s role=%s idp_group=%.100s", cb->id.sub,
	          role_name(who.role), g.idp_group);
	log_info("sso.login", "user_id=%lld role=%s idp_group=\"%.64s\"", (long long)who.id,
	         role_name(who.role), g.idp_group);
	to_login_page(r, ticket, NULL, cb->next);
	sodium_memzero(ticket, sizeof(ticket));
out:
	callback_free(cb);
}

static int sso_callback(struct req *r)
{
	const char *state = req_query(r, "state"), *code = req_query(r, "code");
	const char *error = req_query(r, "error");
	struct callback *cb;
	int err;

	if (!r->app->sso)
		return sso_off(r);
	{
		char addr[64];
		unsigned retry = 0;

		if (req_client_addr(r, addr, sizeof(addr)) != 0)
			snprintf(addr, sizeof(addr), "unknown");
		if (!ratelimit_check(r->app->login_addr_limit, addr, acd_now_ms(), &retry)) {
			log_warn("sso.login_throttled", "addr=%s retry_s=%u", addr, retry);
			return to_login_page(r, NULL, "throttled", NULL);
		}
	}
	cb = calloc(1, sizeof(*cb));
	if (!cb)
		return resp_store_error(r, ENOMEM, "sso");
	cb->sso = r->app->sso;
	cb->now = r->now;
	/* One use: the state is gone from here on, whatever follows. */
	err = sso_pending_take(r->app->db, state, r->now, cb->nonce, cb->verifier, cb->next);
	if (err) {
		refused(r, SSO_REFUSED_STATE, NULL, "unknown, used or stale state", NULL);
		callback_free(cb);
		return 0;
	}
	if (error || !code || !*code || strlen(code) > 2048) {
		char why[200];
		snprintf(why, sizeof(why), "provider error \"%.100s\"", error ? error : "no code");
		refused(r, SSO_REFUSED_DENIED, NULL, why, cb->next);
		callback_free(cb);
		return 0;
	}
	cb->code = strdup(code);
	err = cb->code ? req_defer_net(r, callback_work_h, callback_answer_h, cb) : ENOMEM;
	if (err) {
		refused(r, SSO_REFUSED_IDP, NULL, "busy", cb->next);
		callback_free(cb);
	}
	return 0;
}

/* ------------------------------------------------------------------------------------
 * POST /api/v1/sso/session */

static int sso_session(struct req *r)
{
	json_t *in;
	const char *ticket;
	struct principal who = {0};
	char token[AUTH_TOKEN_LEN + 1];
	int err;

	if (req_json_object(r, &in))
		return 0;
	ticket = json_string_value(json_object_get(in, "ticket"));
	if (!ticket || !*ticket) {
		struct problem p;
		problem_init(&p);
		p.status = 400;
		valid_add(&p.errors, "ticket", "%s",
		          L(r, "måste anges som en text", "is required, as a string"));
		json_decref(in);
		return resp_problem(r, &p);
	}
	err = sso_ticket_take(r->app->db, ticket, r->now, &who);
	json_decref(in);
	if (err == ENOENT)
		return resp_error(r, 401, "sso-ticket",
		                  L(r, "Inloggningen gick ut", "The login expired"), "%s",
		                  L(r,
		                    "Inloggningen är redan använd eller för gammal. Logga in igen.",
		                    "The login was used already or is too old. Log in again."));
	if (!err)
		err = auth_login_session(r->app->db, &who, r->now, r->app->token_ttl_s, token);
	if (err)
		return resp_store_error(r, err, "session");
	resp_json(r, 200,
	          json_pack("{s:s,s:I,s:s,s:I,s:I}", "token", token, "user_id", (json_int_t)who.id,
	                    "role", role_name(who.role), "expires_in",
	                    (json_int_t)r->app->token_ttl_s, "client_id",
	                    (json_int_t)who.client_id));
	sodium_memzero(token, sizeof(token));
	return 0;
}

const struct route api_sso_routes[] = {
        {"GET", "/api/v1/sso", 0, sso_info},
        {"GET", "/api/v1/sso/start", 0, sso_start},
        {"GET", "/api/v1/sso/callback", 0, sso_callback},
        {"POST", "/api/v1/sso/session", 0, sso_session},
        {NULL, NULL, 0, NULL},
};
