/* Users' roles, passwords (argon2id), login tokens and the authorization rules. */
#ifndef LOTSEN_CORE_AUTH_H
#define LOTSEN_CORE_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct db;
struct stmt;
struct verrors;

enum role {
	ROLE_AGENT = 1 << 0,
	ROLE_GROUP_LEAD = 1 << 1,
	ROLE_MANAGER = 1 << 2,
	ROLE_ADMIN = 1 << 3,
	ROLE_CLIENT_VIEWER = 1 << 4,
	ROLE_WALLBOARD = 1 << 5, /* a display on the wall: reads the wallboard's figures only */
};
#define ROLES_STAFF (ROLE_AGENT | ROLE_GROUP_LEAD | ROLE_MANAGER | ROLE_ADMIN)
#define ROLES_LEADS (ROLE_GROUP_LEAD | ROLE_MANAGER | ROLE_ADMIN)
#define ROLES_ANY   (ROLES_STAFF | ROLE_CLIENT_VIEWER)

/* Who is making a request. id 0 means nobody is logged in. */
struct principal {
	int64_t id;         /* users.id */
	enum role role;     /* exactly one role */
	int64_t client_id;  /* for client viewers: the department they belong to */
	int64_t unit_id;    /* the unit an agent, lead or manager works in, or 0 */
	int64_t display_id; /* for the wallboard role: displays.id (then id is 0), else 0 */
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
/* Resolve a bearer token: a user's session, or a display's login (role wallboard, id 0,
 * display_id set) that lasts until it is revoked; ENOENT if unknown, expired or revoked. */
int auth_session(struct db *db, const char *token, int64_t now, struct principal *who);
int auth_logout(struct db *db, const char *token);

/* --- Displays: the wall screens' logins (role wallboard), issued and revoked by admins. */

/* A new display named `name` (1–120 characters) showing `groups` (a JSON array of group
 * ids, borrowed; NULL: every group); its token is written to `token` once, only its hash
 * is kept. Audited as `who`. EBADMSG with field errors in `v`. */
int auth_display_create(struct db *db, const struct principal *who, const char *name,
                        const json_t *groups, int64_t now, char token[AUTH_TOKEN_LEN + 1],
                        int64_t *id, struct verrors *v);
/* [{"id","name","groups","created_at","created_by","revoked_at"}], newest first; never
 * the token or its hash. */
int auth_display_list(struct db *db, json_t **items);
/* Revoke: the display's token stops working. ENOENT: no such display; EALREADY: it was
 * revoked before (nothing written). Audited as `who`. */
int auth_display_revoke(struct db *db, const struct principal *who, int64_t id, int64_t now);
/* The group ids display `id` shows, at most `max`, into ids; *n = 0 and *all = true when it
 * shows every group. */
int auth_display_groups(struct db *db, int64_t id, int64_t *ids, size_t max, size_t *n, bool *all);
/* The display's name, into out. */
int auth_display_name(struct db *db, int64_t id, char *out, size_t n);

/* A user as they see themselves: {"id","username","display_name","role","client_id",
 * "unit_id","groups":[{"group_id","name","skill"}]}; ENOENT: no such user. */
int auth_user_json(struct db *db, int64_t id, json_t **out);
/* Called per user; a non-zero return stops the walk and is returned. */
typedef int(auth_user_h)(int64_t id, const char *display_name, void *arg);
/* The active users who answer phones (agents and group leads), by display name. */
int auth_phone_users_each(struct db *db, auth_user_h *h, void *arg);

/* --- The rules, pure so they can be tested exactly. --- */

/* Facts about one case needed to decide who may see it. */
struct case_access {
	int64_t group_id;     /* the response group that took the case */
	int64_t client_id;    /* the department it was for */
	bool confidential;    /* sekretess: only the group and managers */
	bool handed_over;     /* has a handover to client_id */
	bool member_of_group; /* the principal is a member of group_id */
};

/* The one rule for who may see a case: every read of a case, its handovers, history and
 * citizen goes through it; auth_can_write_case is the same rule for changes. */
bool auth_can_read_case(const struct principal *p, const struct case_access *c);
bool auth_can_write_case(const struct principal *p, const struct case_access *c);
/* Answering a handover: the department it was sent to (a client viewer who may read the
 * case), or staff who may change the case (recording an answer given by phone). */
bool auth_can_answer_handover(const struct principal *p, const struct case_access *c,
                              int64_t handover_client_id);
/* A citizen is seen only through a case the principal may read; managers and admins see
 * every citizen. */
bool auth_can_read_citizen(const struct principal *p, bool through_readable_case);

/* The facts of struct case_access in SQL, over a case row named `c`, for the user whose
 * id is the SQL parameter `user` (e.g. "?3"). Every query that decides access itself
 * builds on these, so "handed over" and "member of the group" mean the same everywhere. */
#define AUTH_SQL_HANDED_OVER                                                                       \
	"EXISTS(SELECT 1 FROM handovers auth_h WHERE auth_h.case_id = c.id"                        \
	" AND auth_h.client_id = c.client_id)"
#define AUTH_SQL_MEMBER(user)                                                                      \
	"EXISTS(SELECT 1 FROM user_groups auth_ug WHERE auth_ug.user_id = " user                   \
	" AND auth_ug.group_id = c.group_id)"
/* Five columns, for the user bound to ?1: group_id, client_id, confidential, handed_over,
 * member_of_group; read them with auth_case_access_row. */
#define AUTH_SQL_CASE_FACTS                                                                        \
	"c.group_id, c.client_id, c.confidential, " AUTH_SQL_HANDED_OVER ", " AUTH_SQL_MEMBER("?"  \
	                                                                                      "1")
/* auth_can_read_case as an SQL condition on the case row `c`, for lists and searches that
 * must filter in SQL (LIMIT/OFFSET, COUNT). `role` is the parameter holding role_name(),
 * `user` the principal's id, `client` its client_id. test_auth.c checks that it agrees
 * with auth_can_read_case for every combination of the facts. */
#define AUTH_SQL_CAN_READ_CASE(role, user, client)                                                 \
	"(" role " IN ('admin','manager')"                                                         \
	" OR (" role " = 'client_viewer' AND " client " <> 0 AND c.client_id = " client            \
	" AND " AUTH_SQL_HANDED_OVER ")"                                                           \
	" OR (" role                                                                               \
	" IN ('agent','group_lead') AND (c.confidential = 0 OR " AUTH_SQL_MEMBER(user) ")))"

/* Fill `a` from the AUTH_SQL_CASE_FACTS columns starting at `col`. */
void auth_case_access_row(struct stmt *s, int col, struct case_access *a);
/* The facts about case `case_id` for principal `p`; ENOENT if there is no such case. */
int auth_case_load(struct db *db, const struct principal *p, int64_t case_id,
                   struct case_access *a);
/* A client viewer sees only its own department; everyone else sees every client. */
bool auth_can_see_client(const struct principal *p, int64_t client_id);

#endif
