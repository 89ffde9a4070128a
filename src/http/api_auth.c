/* Login, logout, who am I, and the health check. */
#include <errno.h>
#include <string.h>

#include "base/log.h"
#include "http/http_int.h"
#include "store/db.h"
#include "tel/tel.h"

static int healthz(struct req *r)
{
	struct stmt *s;
	int ok = db_prepare(r->app->db, &s, "SELECT 1", true) == 0 && stmt_step(s) == DB_ROW;
	int werr = ok ? db_writable(r->app->db, r->now) : 0;
	const char *database = !ok ? "unavailable" : werr ? "read-only" : "ok";
	json_t *j;

	if (ok)
		stmt_done(s);
	j = json_pack("{s:s,s:s}", "status", ok && !werr ? "ok" : "degraded", "database", database);
	/* Reads still work but writes fail: why, so an operator knows where to look. */
	if (j && werr)
		json_object_set_new(j, "storage",
		                    json_string(werr == ENOSPC  ? "disk-full"
		                                : werr == EROFS ? "read-only-mount"
		                                                : "write-failed"));
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
	struct stmt *s;

	if (db_prepare(r->app->db, &s,
	               "INSERT INTO audit_log(at,user_id,action,entity,entity_id,detail)"
	               " VALUES (?,?,?, 'user', ?, ?)",
	               true))
		return;
	stmt_bind_int(s, 1, r->now);
	if (user_id)
		stmt_bind_int(s, 2, user_id);
	else
		stmt_bind_null(s, 2);
	stmt_bind_text(s, 3, ok ? "login" : "login_failed");
	if (user_id)
		stmt_bind_int(s, 4, user_id);
	else
		stmt_bind_null(s, 4);
	stmt_bind_text(s, 5, username);
	stmt_step(s);
	stmt_done(s);
}

static int login(struct req *r)
{
	struct problem p;
	json_t *in;
	const char *user, *pass;
	char token[AUTH_TOKEN_LEN + 1];
	struct principal who = {0};
	int err;

	if (req_json_object(r, &in))
		return 0;
	problem_init(&p);
	p.status = 400;
	user = json_string_value(json_object_get(in, "username"));
	pass = json_string_value(json_object_get(in, "password"));
	if (!user || !*user)
		problem_field(&p, "username", "%s",
		              L(r, "måste anges som en text", "is required, as a string"));
	if (!pass || !*pass)
		problem_field(&p, "password", "%s",
		              L(r, "måste anges som en text", "is required, as a string"));
	if (p.errors) {
		json_decref(in);
		return resp_problem(r, &p);
	}
	err = auth_login(r->app->db, user, pass, r->now, r->app->token_ttl_s, token, &who);
	audit_login(r, err ? 0 : who.id, user, err == 0);
	if (err == EPERM)
		log_warn("auth.login_failed", "user=\"%.64s\"", user);
	json_decref(in);
	if (err == EPERM) {
		return resp_error(r, 401, "bad-credentials",
		                  L(r, "Fel inloggningsuppgifter", "Wrong credentials"), "%s",
		                  L(r, "Användarnamn eller lösenord är fel.",
		                    "The username or password is wrong."));
	}
	if (err)
		return resp_store_error(r, err, "session");
	return resp_json(r, 200,
	                 json_pack("{s:s,s:I,s:s,s:I,s:I}", "token", token, "user_id",
	                           (json_int_t)who.id, "role", role_name(who.role), "expires_in",
	                           (json_int_t)r->app->token_ttl_s, "client_id",
	                           (json_int_t)who.client_id));
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
	struct stmt *s;
	json_t *o, *groups;
	int err;

	err = db_prepare(
	        r->app->db, &s,
	        "SELECT username, display_name, role, client_id, unit_id FROM users WHERE id=?",
	        true);
	if (err)
		return resp_store_error(r, err, "user");
	stmt_bind_int(s, 1, r->who.id);
	if (stmt_step(s) != DB_ROW) {
		stmt_done(s);
		return resp_store_error(r, ENOENT, "user");
	}
	o = json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)r->who.id, "username", stmt_text(s, 0),
	              "display_name", stmt_text(s, 1), "role", stmt_text(s, 2));
	json_object_set_new(o, "client_id",
	                    stmt_is_null(s, 3) ? json_null() : json_integer(stmt_int(s, 3)));
	json_object_set_new(o, "unit_id",
	                    stmt_is_null(s, 4) ? json_null() : json_integer(stmt_int(s, 4)));
	stmt_done(s);
	groups = json_array();
	if (db_prepare(r->app->db, &s,
	               "SELECT ug.group_id, g.name, ug.skill FROM user_groups ug JOIN groups g"
	               " ON g.id = ug.group_id WHERE ug.user_id=? ORDER BY g.name",
	               true) == 0) {
		stmt_bind_int(s, 1, r->who.id);
		while (stmt_step(s) == DB_ROW)
			json_array_append_new(groups, json_pack("{s:I,s:s,s:I}", "group_id",
			                                        (json_int_t)stmt_int(s, 0), "name",
			                                        stmt_text(s, 1), "skill",
			                                        (json_int_t)stmt_int(s, 2)));
		stmt_done(s);
	}
	json_object_set_new(o, "groups", groups);
	return resp_json(r, 200, o);
}

const struct route api_auth_routes[] = {
        {"GET", "/healthz", 0, healthz},
        {"POST", "/api/v1/login", 0, login},
        {"POST", "/api/v1/logout", ROLES_ANY, logout},
        {"GET", "/api/v1/me", ROLES_ANY, me},
        {NULL, NULL, 0, NULL},
};
