/* What OpenID Connect login keeps in the database: logins under way, one-time tickets and
 * the link between a Lotsen user and the provider's subject. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "base/log.h"
#include "sso/sso.h"
#include "store/db.h"

static const struct migration sso_migrations[] = {
        {1, "logins under way, tickets, external identities",
         "CREATE TABLE sso_pending ("
         " state_hash BLOB PRIMARY KEY,"
         " nonce TEXT NOT NULL,"
         " verifier TEXT NOT NULL,"
         " next TEXT,"
         " created_at INTEGER NOT NULL"
         ") STRICT;"
         "CREATE TABLE sso_tickets ("
         " ticket_hash BLOB PRIMARY KEY,"
         " user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
         " expires_at INTEGER NOT NULL"
         ") STRICT;"
         /* A user with a row here is external: created by a login through the provider,
          * with no local password. */
         "CREATE TABLE sso_identities ("
         " user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,"
         " issuer TEXT NOT NULL,"
         " subject TEXT NOT NULL,"
         " first_login_at INTEGER NOT NULL,"
         " last_login_at INTEGER NOT NULL,"
         " UNIQUE (issuer, subject)"
         ") STRICT;"},
};

int sso_store_migrate(struct db *db)
{
	return db_migrate(db, "sso", sso_migrations,
	                  sizeof(sso_migrations) / sizeof(sso_migrations[0]));
}

/* States and tickets are kept hashed: a copy of the database finishes nobody's login. */
static void secret_hash(const char *s, unsigned char out[32])
{
	crypto_generichash(out, 32, (const unsigned char *)s, strlen(s), NULL, 0);
}

static int exec1(struct db *db, const char *sql, int64_t v)
{
	struct stmt *s;
	int err = db_prepare(db, &s, sql, true);

	if (err)
		return err;
	stmt_bind_int(s, 1, v);
	err = stmt_step(s) == DB_DONE ? 0 : EIO;
	stmt_done(s);
	return err;
}

int sso_pending_put(struct db *db, const char *state, const char *nonce, const char *verifier,
                    const char *next, int64_t now)
{
	struct stmt *s;
	unsigned char h[32];
	int err;

	err = exec1(db, "DELETE FROM sso_pending WHERE created_at <= ?", now - SSO_PENDING_TTL_S);
	if (err)
		return err;
	err = db_prepare(db, &s,
	                 "INSERT INTO sso_pending(state_hash, nonce, verifier, next, created_at)"
	                 " VALUES (?, ?, ?, ?, ?)",
	                 true);
	if (err)
		return err;
	secret_hash(state, h);
	stmt_bind_blob(s, 1, h, sizeof(h));
	stmt_bind_text(s, 2, nonce);
	stmt_bind_text(s, 3, verifier);
	stmt_bind_text(s, 4, next && *next ? next : NULL);
	stmt_bind_int(s, 5, now);
	err = stmt_step(s);
	err = err == DB_DONE ? 0 : err > 0 ? err : EIO;
	stmt_done(s);
	return err;
}

int sso_pending_take(struct db *db, const char *state, int64_t now, char nonce[64],
                     char verifier[64], char next[128])
{
	struct stmt *s;
	unsigned char h[32];
	int err;

	if (!state || !*state || strlen(state) > 256)
		return ENOENT;
	secret_hash(state, h);
	err = db_prepare(db, &s,
	                 "DELETE FROM sso_pending WHERE state_hash = ?"
	                 " RETURNING nonce, verifier, next, created_at",
	                 true);
	if (err)
		return err;
	stmt_bind_blob(s, 1, h, sizeof(h));
	err = ENOENT;
	if (stmt_step(s) == DB_ROW) {
		if (stmt_int(s, 3) > now - SSO_PENDING_TTL_S) {
			snprintf(nonce, 64, "%s", stmt_text(s, 0));
			snprintf(verifier, 64, "%s", stmt_text(s, 1));
			snprintf(next, 128, "%s", stmt_is_null(s, 2) ? "" : stmt_text(s, 2));
			err = 0;
		}
		stmt_step(s); /* RETURNING: the delete is done when the statement is */
	}
	stmt_done(s);
	return err;
}

static int principal_load(struct db *db, int64_t user_id, struct principal *who, bool *active)
{
	struct stmt *s;
	enum role r = ROLE_AGENT;
	int err = db_prepare(
	        db, &s, "SELECT role, client_id, unit_id, active FROM users WHERE id = ?", true);

	if (err)
		return err;
	stmt_bind_int(s, 1, user_id);
	err = ENOENT;
	if (stmt_step(s) == DB_ROW) {
		role_parse(stmt_text(s, 0), &r);
		who->id = user_id;
		who->role = r;
		who->client_id = stmt_is_null(s, 1) ? 0 : stmt_int(s, 1);
		who->unit_id = stmt_is_null(s, 2) ? 0 : stmt_int(s, 2);
		*active = stmt_int(s, 3) != 0;
		err = 0;
	}
	stmt_done(s);
	return err;
}

/* The memberships the provider owns: the groups the map names, set to the grant's. */
static int groups_sync(struct db *db, const struct sso_map *m, int64_t user_id,
                       const struct sso_grant *g)
{
	int64_t named[64];
	size_t n = sso_map_groups(m, named, 64);
	int err = 0;

	for (size_t i = 0; i < n && !err; i++) {
		bool member = false;
		struct stmt *s;

		for (size_t k = 0; k < g->ngroups && !member; k++)
			member = g->groups[k] == named[i];
		err = db_prepare(
		        db, &s,
		        member ? "INSERT OR IGNORE INTO user_groups(user_id, group_id)"
		                 " SELECT ?1, id FROM groups WHERE id = ?2"
		               : "DELETE FROM user_groups WHERE user_id = ?1 AND group_id = ?2",
		        true);
		if (err)
			break;
		stmt_bind_int(s, 1, user_id);
		stmt_bind_int(s, 2, named[i]);
		err = stmt_step(s) == DB_DONE ? 0 : EIO;
		stmt_done(s);
	}
	return err;
}

int sso_user_login(struct db *db, const struct sso_map *m, const char *issuer,
                   const struct sso_identity *id, const struct sso_grant *g, int64_t now,
                   struct principal *who)
{
	struct stmt *s;
	int64_t user_id = 0;
	bool active = true;
	int err;

	err = db_begin(db);
	if (err)
		return err;
	err = db_prepare(db, &s,
	                 "SELECT user_id FROM sso_identities WHERE issuer = ? AND subject = ?",
	                 true);
	if (err)
		goto out;
	stmt_bind_text(s, 1, issuer);
	stmt_bind_text(s, 2, id->sub);
	if (stmt_step(s) == DB_ROW)
		user_id = stmt_int(s, 0);
	stmt_done(s);
	if (user_id) {
		err = principal_load(db, user_id, who, &active);
		if (!err && !active)
			err = EPERM; /* deactivated in Lotsen: the provider does not undo that */
		if (err)
			goto out;
		err = db_prepare(db, &s,
		                 "UPDATE users SET display_name = ?2, role = ?3, client_id = ?4,"
		                 " email = ?5 WHERE id = ?1",
		                 true);
	} else {
		/* A new external user: no password, so no password login. The name must be
		 * free: a local account of the same name is not taken over. */
		err = db_prepare(db, &s,
		                 "INSERT INTO users(username, display_name, role, client_id, email,"
		                 " password_hash, active) VALUES (?6, ?2, ?3, ?4, ?5, NULL, 1)",
		                 true);
	}
	if (err)
		goto out;
	if (user_id)
		stmt_bind_int(s, 1, user_id);
	stmt_bind_text(s, 2, id->display_name);
	stmt_bind_text(s, 3, role_name(g->role));
	stmt_bind_id(s, 4, g->client_id);
	stmt_bind_text(s, 5, id->email[0] ? id->email : NULL);
	if (!user_id)
		stmt_bind_text(s, 6, id->username);
	err = stmt_step(s);
	err = err == DB_DONE ? 0 : err > 0 ? err : EIO;
	stmt_done(s);
	if (err)
		goto out; /* EEXIST: the username is someone else's; ENOENT: no such client */
	if (!user_id) {
		user_id = db_last_id(db);
		err = db_prepare(
		        db, &s,
		        "INSERT INTO sso_identities(user_id, issuer, subject, first_login_at,"
		        " last_login_at) VALUES (?, ?, ?, ?, ?)",
		        true);
		if (err)
			goto out;
		stmt_bind_int(s, 1, user_id);
		stmt_bind_text(s, 2, issuer);
		stmt_bind_text(s, 3, id->sub);
		stmt_bind_int(s, 4, now);
		stmt_bind_int(s, 5, now);
	} else {
		err = db_prepare(db, &s,
		                 "UPDATE sso_identities SET last_login_at = ? WHERE user_id = ?",
		                 true);
		if (err)
			goto out;
		stmt_bind_int(s, 1, now);
		stmt_bind_int(s, 2, user_id);
	}
	err = stmt_step(s) == DB_DONE ? 0 : EIO;
	stmt_done(s);
	if (!err)
		err = groups_sync(db, m, user_id, g);
	if (!err)
		err = principal_load(db, user_id, who, &active);
out:
	if (err) {
		db_rollback(db);
		return err;
	}
	return db_commit(db);
}

int sso_ticket_put(struct db *db, int64_t user_id, int64_t now, char ticket[44])
{
	struct stmt *s;
	unsigned char h[32];
	int err;

	err = exec1(db, "DELETE FROM sso_tickets WHERE expires_at <= ?", now);
	if (err)
		return err;
	sso_random(ticket);
	secret_hash(ticket, h);
	err = db_prepare(
	        db, &s,
	        "INSERT INTO sso_tickets(ticket_hash, user_id, expires_at) VALUES (?, ?, ?)", true);
	if (err)
		return err;
	stmt_bind_blob(s, 1, h, sizeof(h));
	stmt_bind_int(s, 2, user_id);
	stmt_bind_int(s, 3, now + SSO_TICKET_TTL_S);
	err = stmt_step(s) == DB_DONE ? 0 : EIO;
	stmt_done(s);
	return err;
}

int sso_ticket_take(struct db *db, const char *ticket, int64_t now, struct principal *who)
{
	struct stmt *s;
	unsigned char h[32];
	int64_t user_id = 0;
	bool active = false;
	int err;

	if (!ticket || strlen(ticket) != 43)
		return ENOENT;
	secret_hash(ticket, h);
	err = db_prepare(
	        db, &s,
	        "DELETE FROM sso_tickets WHERE ticket_hash = ? RETURNING user_id, expires_at",
	        true);
	if (err)
		return err;
	stmt_bind_blob(s, 1, h, sizeof(h));
	if (stmt_step(s) == DB_ROW) {
		if (stmt_int(s, 1) > now)
			user_id = stmt_int(s, 0);
		stmt_step(s);
	}
	stmt_done(s);
	if (!user_id)
		return ENOENT;
	err = principal_load(db, user_id, who, &active);
	if (!err && !active)
		err = ENOENT;
	return err;
}
