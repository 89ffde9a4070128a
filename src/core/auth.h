/* Users' roles, passwords (argon2id), login tokens and the authorization rules. */
#ifndef LOTSEN_CORE_AUTH_H
#define LOTSEN_CORE_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;

enum role {
	ROLE_AGENT = 1 << 0,
	ROLE_GROUP_LEAD = 1 << 1,
	ROLE_MANAGER = 1 << 2,
	ROLE_ADMIN = 1 << 3,
	ROLE_CLIENT_VIEWER = 1 << 4,
};
#define ROLES_STAFF (ROLE_AGENT | ROLE_GROUP_LEAD | ROLE_MANAGER | ROLE_ADMIN)
#define ROLES_LEADS (ROLE_GROUP_LEAD | ROLE_MANAGER | ROLE_ADMIN)
#define ROLES_ANY   (ROLES_STAFF | ROLE_CLIENT_VIEWER)

/* Who is making a request. id 0 means nobody is logged in. */
struct principal {
	int64_t id;        /* users.id */
	enum role role;    /* exactly one role */
	int64_t client_id; /* for client viewers: the department they belong to */
	int64_t unit_id;   /* the unit an agent, lead or manager works in, or 0 */
};

int role_parse(const char *s, enum role *out);
const char *role_name(enum role r);

#define AUTH_TOKEN_LEN    43 /* base64url of 32 random bytes, no padding */
#define AUTH_MIN_PASSWORD 10

int auth_password_hash(const char *password, char out[128]);
bool auth_password_verify(const char *hash, const char *password);

/* The login's two halves, so the costly verification can run off the loop thread:
 * the user's password hash (ENOENT for an unknown or inactive user, with a dummy hash
 * that costs as much to verify and matches nothing), then, once auth_password_verify
 * said yes, a new session and its token. */
int auth_login_lookup(struct db *db, const char *username, char hash[128], struct principal *who);
int auth_login_session(struct db *db, const struct principal *who, int64_t now, int64_t ttl_s,
                       char token[AUTH_TOKEN_LEN + 1]);
/* Verify username+password; on success create a session and return its token. */
int auth_login(struct db *db, const char *username, const char *password, int64_t now,
               int64_t ttl_s, char token[AUTH_TOKEN_LEN + 1], struct principal *who);
/* Resolve a bearer token; ENOENT if unknown or expired. */
int auth_session(struct db *db, const char *token, int64_t now, struct principal *who);
int auth_logout(struct db *db, const char *token);

/* --- The rules, pure so they can be tested exactly. --- */

/* Facts about one case needed to decide who may see it. */
struct case_access {
	int64_t group_id;     /* the response group that took the case */
	int64_t client_id;    /* the department it was for */
	bool confidential;    /* sekretess: only the group and managers */
	bool handed_over;     /* has a handover to client_id */
	bool member_of_group; /* the principal is a member of group_id */
};

bool auth_can_read_case(const struct principal *p, const struct case_access *c);
bool auth_can_write_case(const struct principal *p, const struct case_access *c);
/* A client viewer sees only its own department; everyone else sees every client. */
bool auth_can_see_client(const struct principal *p, int64_t client_id);

#endif
