/* Passwords, login sessions and authorization rules for every role. */
#include "core/auth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/audit.h"
#include "base/valid.h"
#include "store/db.h"

static const struct {
	enum role role;
	const char *name;
} roles[] = {
        {ROLE_AGENT, "agent"}, {ROLE_GROUP_LEAD, "group_lead"},       {ROLE_MANAGER, "manager"},
        {ROLE_ADMIN, "admin"}, {ROLE_CLIENT_VIEWER, "client_viewer"}, {ROLE_WALLBOARD, "wallboard"},
};

int role_parse(const char *s, enum role *out)
{
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		if (s && strcmp(s, roles[i].name) == 0) {
			*out = roles[i].role;
			return 0;
		}
	}
	return EINVAL;
}

const char *role_name(enum role r)
{
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (roles[i].role == r)
			return roles[i].name;
	return "unknown";
}

int auth_password_hash(const char *password, char out[128])
{
	if (sodium_init() < 0)
		return EIO;
	/* Interactive limits: a login costs ~64 MiB and well under a second. */
	if (crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
	                      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return ENOMEM;
	return 0;
}

bool auth_password_verify(const char *hash, const char *password)
{
	if (!hash || !password || sodium_init() < 0)
		return false;
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

/* Sessions store only a hash of the token, so a copy of the database gives no logins. */
static void token_hash(const char *token, unsigned char out[32])
{
	crypto_generichash(out, 32, (const unsigned char *)token, strlen(token), NULL, 0);
}

static void principal_from_row(struct stmt *s, int col, struct principal *who)
{
	enum role r = ROLE_AGENT;

	who->id = stmt_int(s, col);
	role_parse(stmt_text(s, col + 1), &r);
	who->role = r;
	who->client_id = stmt_is_null(s, col + 2) ? 0 : stmt_int(s, col + 2);
	who->unit_id = stmt_is_null(s, col + 3) ? 0 : stmt_int(s, col + 3);
	who->display_id = 0;
}

/* A hash that matches no password, verified for unknown users so that a wrong password
 * for them costs what it costs for a known user and timing does not reveal usernames. */
static const char *dummy_hash(void)
{
	static char h[128];

	if (!h[0] && auth_password_hash("lotsen-timing-equaliser", h) != 0)
		h[0] = '\0';
	return h;
}

int auth_login_lookup(struct db *db, const char *username, char hash[128], struct principal *who)
{
	static const char q_user[] = "SELECT id, role, client_id, unit_id, password_hash FROM users"
	                             " WHERE username = ? AND active = 1";
	struct stmt *s;
	const char *dummy;
	int err;

	if (sodium_init() < 0)
		return EIO;
	hash[0] = '\0';
	err = db_prepare(db, &s, q_user, true);
	if (err)
		return err;
	stmt_bind_text(s, 1, username);
	if (stmt_step(s) == DB_ROW) {
		principal_from_row(s, 0, who);
		if (!stmt_is_null(s, 4))
			snprintf(hash, 128, "%s", stmt_text(s, 4));
	}
	stmt_done(s);
	if (hash[0])
		return 0;
	dummy = dummy_hash();
	snprintf(hash, 128, "%s", dummy);
	memset(who, 0, sizeof(*who));
	return ENOENT;
}

int auth_login_session(struct db *db, const struct principal *who, int64_t now, int64_t ttl_s,
                       char token[AUTH_TOKEN_LEN + 1])
{
	static const char q_sess[] =
	        "INSERT INTO sessions(token_hash, user_id, created_at, expires_at)"
	        " VALUES (?, ?, ?, ?)";
	static const char q_gc[] = "DELETE FROM sessions WHERE expires_at <= ?";
	struct stmt *s;
	unsigned char raw[32], h[32];
	int err;

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(token, AUTH_TOKEN_LEN + 1, raw, sizeof(raw),
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	token_hash(token, h);
	err = db_prepare(db, &s, q_gc, true);
	if (err)
		return err;
	stmt_bind_int(s, 1, now);
	stmt_step(s);
	stmt_done(s);
	err = db_prepare(db, &s, q_sess, true);
	if (err)
		return err;
	stmt_bind_blob(s, 1, h, sizeof(h));
	stmt_bind_int(s, 2, who->id);
	stmt_bind_int(s, 3, now);
	stmt_bind_int(s, 4, now + ttl_s);
	err = stmt_step(s) == DB_DONE ? 0 : EIO;
	stmt_done(s);
	return err;
}

int auth_login(struct db *db, const char *username, const char *password, int64_t now,
               int64_t ttl_s, char token[AUTH_TOKEN_LEN + 1], struct principal *who)
{
	char hash[128];
	int err = auth_login_lookup(db, username, hash, who);

	if (err && err != ENOENT)
		return err;
	/* Unknown users verify against the dummy hash: the same effort either way. */
	if (!auth_password_verify(hash, password) || err == ENOENT)
		return EPERM;
	return auth_login_session(db, who, now, ttl_s, token);
}

int auth_session(struct db *db, const char *token, int64_t now, struct principal *who)
{
	static const char q[] = "SELECT u.id, u.role, u.client_id, u.unit_id FROM sessions s"
	                        " JOIN users u ON u.id = s.user_id"
	                        " WHERE s.token_hash = ? AND s.expires_at > ? AND u.active = 1";
	struct stmt *s;
	unsigned char h[32];
	int err;

	if (!token || strlen(token) != AUTH_TOKEN_LEN)
		return ENOENT;
	token_hash(token, h);
	err = db_prepare(db, &s, q, true);
	if (err)
		return err;
	stmt_bind_blob(s, 1, h, sizeof(h));
	stmt_bind_int(s, 2, now);
	err = ENOENT;
	if (stmt_step(s) == DB_ROW) {
		principal_from_row(s, 0, who);
		err = 0;
	}
	stmt_done(s);
	if (err != ENOENT)
		return err;
	/* Not a user's session: a display's login, until it is revoked. */
	err = db_prepare(db, &s,
	                 "SELECT id FROM displays WHERE token_hash = ? AND revoked_at IS NULL",
	                 true);
	if (err)
		return err;
	stmt_bind_blob(s, 1, h, sizeof(h));
	err = ENOENT;
	if (stmt_step(s) == DB_ROW) {
		memset(who, 0, sizeof(*who));
		who->role = ROLE_WALLBOARD;
		who->display_id = stmt_int(s, 0);
		err = 0;
	}
	stmt_done(s);
	return err;
}

int auth_logout(struct db *db, const char *token)
{
	struct stmt *s;
	unsigned char h[32];
	int err;

	token_hash(token, h);
	err = db_prepare(db, &s, "DELETE FROM sessions WHERE token_hash = ?", true);
	if (err)
		return err;
	stmt_bind_blob(s, 1, h, sizeof(h));
	err = stmt_step(s) == DB_DONE ? 0 : EIO;
	stmt_done(s);
	return err;
}

int auth_user_json(struct db *db, int64_t id, json_t **out)
{
	struct stmt *s;
	json_t *o, *groups;
	int err;

	err = db_prepare(
	        db, &s,
	        "SELECT username, display_name, role, client_id, unit_id FROM users WHERE id=?",
	        true);
	if (err)
		return err;
	stmt_bind_int(s, 1, id);
	if (stmt_step(s) != DB_ROW) {
		stmt_done(s);
		return ENOENT;
	}
	o = json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)id, "username", stmt_text(s, 0),
	              "display_name", stmt_text(s, 1), "role", stmt_text(s, 2));
	json_object_set_new(o, "client_id",
	                    stmt_is_null(s, 3) ? json_null() : json_integer(stmt_int(s, 3)));
	json_object_set_new(o, "unit_id",
	                    stmt_is_null(s, 4) ? json_null() : json_integer(stmt_int(s, 4)));
	stmt_done(s);
	groups = json_array();
	if (db_prepare(db, &s,
	               "SELECT ug.group_id, g.name, ug.skill FROM user_groups ug JOIN groups g"
	               " ON g.id = ug.group_id WHERE ug.user_id=? ORDER BY g.name",
	               true) == 0) {
		stmt_bind_int(s, 1, id);
		while (stmt_step(s) == DB_ROW)
			json_array_append_new(groups, json_pack("{s:I,s:s,s:I}", "group_id",
			                                        (json_int_t)stmt_int(s, 0), "name",
			                                        stmt_text(s, 1), "skill",
			                                        (json_int_t)stmt_int(s, 2)));
		stmt_done(s);
	}
	json_object_set_new(o, "groups", groups);
	*out = o;
	return 0;
}

int auth_phone_users_each(struct db *db, auth_user_h *h, void *arg)
{
	struct stmt *s;
	int err = db_prepare(db, &s,
	                     "SELECT id, display_name FROM users WHERE active = 1 AND role IN"
	                     " ('agent','group_lead') ORDER BY display_name",
	                     true);

	if (err)
		return err;
	while (!err && stmt_step(s) == DB_ROW)
		err = h(stmt_int(s, 0), stmt_text(s, 1), arg);
	stmt_done(s);
	return err;
}

bool auth_can_see_client(const struct principal *p, int64_t client_id)
{
	if (p->role == ROLE_CLIENT_VIEWER)
		return p->client_id != 0 && p->client_id == client_id;
	return (p->role & ROLES_STAFF) != 0;
}

bool auth_can_read_case(const struct principal *p, const struct case_access *c)
{
	switch (p->role) {
	case ROLE_ADMIN:
	case ROLE_MANAGER:
		return true;
	case ROLE_AGENT:
	case ROLE_GROUP_LEAD:
		return !c->confidential || c->member_of_group;
	case ROLE_CLIENT_VIEWER:
		/* A department sees the cases handed over to it, never the center's own log. */
		return c->handed_over && p->client_id != 0 && p->client_id == c->client_id;
	case ROLE_WALLBOARD:
		return false; /* a wall screen never sees a case */
	}
	return false;
}

bool auth_can_write_case(const struct principal *p, const struct case_access *c)
{
	if (p->role == ROLE_CLIENT_VIEWER)
		return false;
	return auth_can_read_case(p, c);
}

bool auth_can_answer_handover(const struct principal *p, const struct case_access *c,
                              int64_t handover_client_id)
{
	if (p->role == ROLE_CLIENT_VIEWER)
		return p->client_id == handover_client_id && auth_can_read_case(p, c);
	return auth_can_write_case(p, c);
}

bool auth_can_read_citizen(const struct principal *p, bool through_readable_case)
{
	if (p->role == ROLE_ADMIN || p->role == ROLE_MANAGER)
		return true;
	return through_readable_case;
}

void auth_case_access_row(struct stmt *s, int col, struct case_access *a)
{
	a->group_id = stmt_int(s, col);
	a->client_id = stmt_int(s, col + 1);
	a->confidential = stmt_int(s, col + 2) != 0;
	a->handed_over = stmt_int(s, col + 3) != 0;
	a->member_of_group = stmt_int(s, col + 4) != 0;
}

int auth_case_load(struct db *db, const struct principal *p, int64_t case_id, struct case_access *a)
{
	static const char q[] = "SELECT " AUTH_SQL_CASE_FACTS " FROM cases c WHERE c.id = ?2";
	struct stmt *s;
	int err = db_prepare(db, &s, q, true);

	if (err)
		return err;
	stmt_bind_int(s, 1, p->id);
	stmt_bind_int(s, 2, case_id);
	err = ENOENT;
	if (stmt_step(s) == DB_ROW) {
		auth_case_access_row(s, 0, a);
		err = 0;
	}
	stmt_done(s);
	return err;
}

/* ======================================================================
 * Displays: a wall screen's login with the wallboard role
 * ====================================================================== */

static int display_groups_check(struct db *db, const json_t *groups, struct verrors *v)
{
	size_t i;
	json_t *x;

	if (!groups || json_is_null(groups))
		return 0;
	if (!json_is_array(groups) || json_array_size(groups) > 64) {
		valid_add(v, "groups", "%s",
		          VL(v, "ska vara en lista med högst 64 svarsgruppers id",
		             "must be a list of at most 64 response group ids"));
		return EBADMSG;
	}
	json_array_foreach(groups, i, x)
	{
		struct stmt *s;
		bool found = false;

		if (!json_is_integer(x) || json_integer_value(x) <= 0) {
			valid_add(v, "groups", "%s",
			          VL(v, "ska bara innehålla svarsgruppers id (heltal)",
			             "must hold only response group ids (integers)"));
			return EBADMSG;
		}
		if (db_prepare(db, &s, "SELECT 1 FROM groups WHERE id = ?", true) != 0)
			return EIO;
		stmt_bind_int(s, 1, json_integer_value(x));
		found = stmt_step(s) == DB_ROW;
		stmt_done(s);
		if (!found) {
			valid_add(v, "groups",
			          VL(v, "svarsgrupp %lld finns inte",
			             "response group %lld does not exist"),
			          (long long)json_integer_value(x));
			return EBADMSG;
		}
	}
	return 0;
}

int auth_display_create(struct db *db, const struct principal *who, const char *name,
                        const json_t *groups, int64_t now, char token[AUTH_TOKEN_LEN + 1],
                        int64_t *id, struct verrors *v)
{
	struct stmt *s;
	unsigned char raw[32], h[32];
	char *gtext = NULL;
	int err;

	if (sodium_init() < 0)
		return EIO;
	if (!name || !*name || strlen(name) > 120)
		valid_add(v, "name", "%s",
		          VL(v, "krävs: skärmens namn, 1–120 tecken",
		             "is required: the display's name, 1–120 characters"));
	err = display_groups_check(db, groups, v);
	if (err && err != EBADMSG)
		return err;
	if (valid_has_errors(v))
		return EBADMSG;
	if (groups && json_is_array(groups))
		gtext = json_dumps(groups, JSON_COMPACT);
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(token, AUTH_TOKEN_LEN + 1, raw, sizeof(raw),
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	token_hash(token, h);
	err = db_begin(db);
	if (err)
		goto out;
	err = db_prepare(db, &s,
	                 "INSERT INTO displays(name, groups, token_hash, created_at, created_by)"
	                 " VALUES (?, ?, ?, ?, ?)",
	                 true);
	if (!err) {
		stmt_bind_text(s, 1, name);
		if (gtext)
			stmt_bind_text(s, 2, gtext);
		else
			stmt_bind_null(s, 2);
		stmt_bind_blob(s, 3, h, sizeof(h));
		stmt_bind_int(s, 4, now);
		stmt_bind_int(s, 5, who->id);
		err = stmt_step(s) == DB_DONE ? 0 : EIO;
		stmt_done(s);
	}
	if (!err) {
		*id = db_last_id(db);
		err = audit_record(db, now, who->id, "create", "display", *id, name);
	}
	if (err)
		db_rollback(db);
	else
		err = db_commit(db);
out:
	free(gtext);
	sodium_memzero(raw, sizeof(raw));
	if (err)
		sodium_memzero(token, AUTH_TOKEN_LEN + 1);
	return err;
}

int auth_display_list(struct db *db, json_t **items)
{
	struct stmt *s;
	json_t *list;
	int err = db_prepare(db, &s,
	                     "SELECT id, name, groups, created_at, created_by, revoked_at"
	                     " FROM displays ORDER BY id DESC",
	                     true);

	if (err)
		return err;
	list = json_array();
	while (stmt_step(s) == DB_ROW) {
		json_t *g = stmt_is_null(s, 2) ? json_null() : json_loads(stmt_text(s, 2), 0, NULL);
		json_t *o = json_pack("{s:I,s:s,s:o,s:I}", "id", (json_int_t)stmt_int(s, 0), "name",
		                      stmt_text(s, 1), "groups", g ? g : json_null(), "created_at",
		                      (json_int_t)stmt_int(s, 3));

		json_object_set_new(o, "created_by",
		                    stmt_is_null(s, 4) ? json_null()
		                                       : json_integer(stmt_int(s, 4)));
		json_object_set_new(o, "revoked_at",
		                    stmt_is_null(s, 5) ? json_null()
		                                       : json_integer(stmt_int(s, 5)));
		json_array_append_new(list, o);
	}
	stmt_done(s);
	*items = list;
	return 0;
}

int auth_display_revoke(struct db *db, const struct principal *who, int64_t id, int64_t now)
{
	struct stmt *s;
	int err, rc;
	bool revoked = false;

	err = db_prepare(db, &s, "SELECT revoked_at FROM displays WHERE id = ?", true);
	if (err)
		return err;
	stmt_bind_int(s, 1, id);
	rc = stmt_step(s);
	if (rc == DB_ROW)
		revoked = !stmt_is_null(s, 0);
	stmt_done(s);
	if (rc != DB_ROW)
		return ENOENT;
	if (revoked)
		return EALREADY;
	err = db_begin(db);
	if (err)
		return err;
	err = db_prepare(db, &s, "UPDATE displays SET revoked_at = ?, revoked_by = ? WHERE id = ?",
	                 true);
	if (!err) {
		stmt_bind_int(s, 1, now);
		stmt_bind_int(s, 2, who->id);
		stmt_bind_int(s, 3, id);
		err = stmt_step(s) == DB_DONE ? 0 : EIO;
		stmt_done(s);
	}
	if (!err)
		err = audit_record(db, now, who->id, "revoke", "display", id, NULL);
	if (err) {
		db_rollback(db);
		return err;
	}
	return db_commit(db);
}

int auth_display_groups(struct db *db, int64_t id, int64_t *ids, size_t max, size_t *n, bool *all)
{
	struct stmt *s;
	int err = db_prepare(db, &s, "SELECT groups FROM displays WHERE id = ?", true);

	*n = 0;
	*all = true;
	if (err)
		return err;
	stmt_bind_int(s, 1, id);
	err = ENOENT;
	if (stmt_step(s) == DB_ROW) {
		err = 0;
		if (!stmt_is_null(s, 0)) {
			json_t *g = json_loads(stmt_text(s, 0), 0, NULL);
			size_t i;
			json_t *x;

			*all = false;
			json_array_foreach(g, i, x) if (*n < max) ids[(*n)++] =
			        json_integer_value(x);
			json_decref(g);
		}
	}
	stmt_done(s);
	return err;
}

int auth_display_name(struct db *db, int64_t id, char *out, size_t n)
{
	struct stmt *s;
	int err = db_prepare(db, &s, "SELECT name FROM displays WHERE id = ?", true);

	if (err)
		return err;
	stmt_bind_int(s, 1, id);
	err = ENOENT;
	if (stmt_step(s) == DB_ROW) {
		snprintf(out, n, "%s", stmt_text(s, 0));
		err = 0;
	}
	stmt_done(s);
	return err;
}
