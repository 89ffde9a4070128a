/* OpenID Connect login: the provider's discovery and keys, the code flow with PKCE,
 * ID-token validation (cjose), the map from the provider's groups to Lotsen's roles, and
 * the users and one-time login states it keeps. */
#ifndef LOTSEN_SSO_SSO_H
#define LOTSEN_SSO_SSO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/auth.h"

struct db;

/* The `local-passwords` setting. */
enum sso_passwords {
	SSO_PASSWORDS_ON = 0, /* everyone with a password may log in by it */
	SSO_PASSWORDS_OFF,    /* nobody: every login goes through the provider */
	SSO_PASSWORDS_ADMINS, /* administrators only: the way in when the provider is down */
};
int sso_passwords_parse(const char *s, enum sso_passwords *out);

/* ------------------------------------------------------------------------------------
 * The role map (pure): "kc-agenter=agent, kc-ledare=group_lead:group=2:group=3,
 * socialtjansten=client_viewer:client=1". Each entry is IdP-GROUP=ROLE followed by
 * ":group=N" (a response group the member belongs to, several allowed) and, for
 * client_viewer only and required there, ":client=N". Role names as in the API (agent,
 * group_lead, manager, admin, client_viewer); "lead" is accepted for group_lead. */

#define SSO_GROUPS_MAX 32 /* Lotsen groups one login may be given */

struct sso_map;
int sso_map_parse(struct sso_map **mp, const char *spec, char *err, size_t errlen);
void sso_map_free(struct sso_map *m);

/* What a login is given. */
struct sso_grant {
	enum role role;                 /* the highest role any of the user's groups maps to */
	int64_t client_id;              /* client_viewer: the department; else 0 */
	int64_t groups[SSO_GROUPS_MAX]; /* response groups of every matching staff entry */
	size_t ngroups;                 /* entries in groups */
	const char *idp_group;          /* the IdP group that gave the role (borrowed) */
};
/* Apply the map to the user's IdP groups. ENOENT when none of them maps to a role.
 * Ranks: admin > manager > group_lead > agent > client_viewer. */
int sso_map_apply(const struct sso_map *m, const char *const *idp_groups, size_t n,
                  struct sso_grant *g);
/* Every response group the map names: the memberships the provider owns (added and
 * removed at each login); other memberships are left as Lotsen's administrators set them. */
size_t sso_map_groups(const struct sso_map *m, int64_t *out, size_t max);

/* ------------------------------------------------------------------------------------
 * The provider. One struct sso per server, shared by the worker threads that talk to the
 * provider (its cache has a lock); the loop only allocates and frees it. */

struct sso_conf {
	const char *issuer;        /* exactly as the discovery document's "issuer" */
	const char *client_id;     /* Lotsen's client at the provider */
	const char *client_secret; /* never logged */
	const char *redirect;      /* public URL of /api/v1/sso/callback */
	const char *scopes;        /* "openid profile email groups" */
	const char *groups_claim;  /* "groups" */
	const char *role_map;      /* see sso_map_parse */
	long jwks_refresh_s;       /* least seconds between refetches for an unknown kid */
};

struct sso;
/* Checks the settings (https issuer and redirect, or http on loopback only; the map);
 * EINVAL with what is wrong in `err`. Nothing is fetched yet. */
int sso_alloc(struct sso **sp, const struct sso_conf *c, char *err, size_t errlen);
void sso_free(struct sso *s);
const struct sso_map *sso_role_map(const struct sso *s);
const char *sso_issuer(const struct sso *s);

/* Why a login through the provider was refused: a short code the login page turns into a
 * sentence (web/js/login.js), also in the audit log. */
#define SSO_REFUSED_IDP      "idp"      /* the provider could not be reached or answered wrong */
#define SSO_REFUSED_TOKEN    "token"    /* the token endpoint refused the code */
#define SSO_REFUSED_ISSUER   "issuer"   /* iss is not the configured issuer */
#define SSO_REFUSED_AUDIENCE "audience" /* the token is not for Lotsen's client */
#define SSO_REFUSED_EXPIRED  "expired"  /* exp passed, or iat in the future */
#define SSO_REFUSED_SIGNATURE                                                                      \
	"signature"                   /* no key, a bad signature or an algorithm not allowed       \
	                               */
#define SSO_REFUSED_NONCE   "nonce"   /* not the nonce of this login */
#define SSO_REFUSED_CLAIMS  "claims"  /* sub missing, or the token is not a JWS */
#define SSO_REFUSED_STATE   "state"   /* unknown, used or stale login state */
#define SSO_REFUSED_DENIED  "denied"  /* the provider said no (or the user cancelled) */
#define SSO_REFUSED_NO_ROLE "no-role" /* none of the user's groups maps to a role */
#define SSO_REFUSED_ACCOUNT "account" /* the name belongs to a local account, or inactive */

/* Who the provider says logged in. */
struct sso_identity {
	char sub[256];          /* the provider's subject */
	char username[128];     /* preferred_username, else email, else the subject */
	char display_name[256]; /* name, else the username */
	char email[256];        /* or empty */
	char **groups;          /* the groups claim's strings (owned) */
	size_t ngroups;         /* entries in groups */
};
void sso_identity_clear(struct sso_identity *id);

/* On a worker thread (network): the authorize URL for a new login, discovering the
 * provider first when its endpoints are not known (or were fetched over an hour ago).
 * *url is malloc'ed. EIO (why says what) when the provider cannot be reached. */
int sso_authorize_url(struct sso *s, int64_t now, const char *state, const char *nonce,
                      const char *challenge, char **url, char *why, size_t whylen);
/* On a worker thread: the code for tokens at the token endpoint (with the PKCE verifier),
 * then the ID token's validation: signature (RS256/ES256 by a key of the provider's JWKS,
 * refetched once for an unknown key id, at most every jwks_refresh_s), iss, aud (and azp),
 * exp and iat with 60 s leeway, nonce. 0 with `id` filled; else EPERM with *reason one
 * of SSO_REFUSED_* and a line for the log in `why`. */
int sso_exchange(struct sso *s, const char *code, const char *verifier, const char *nonce,
                 int64_t now, struct sso_identity *id, const char **reason, char *why,
                 size_t whylen);
/* The ID token's checks alone (sso_exchange's second half). */
int sso_verify_id_token(struct sso *s, const char *jwt, const char *nonce, int64_t now,
                        struct sso_identity *id, const char **reason, char *why, size_t whylen);

/* 32 random bytes, base64url (43 characters): states, nonces, verifiers, tickets. */
void sso_random(char out[44]);
/* PKCE S256: base64url(SHA-256(verifier)). */
void sso_pkce_challenge(const char *verifier, char out[44]);

/* ------------------------------------------------------------------------------------
 * What is kept in the database (module "sso"). */

int sso_store_migrate(struct db *db);
/* A login under way: its state (stored hashed), nonce, PKCE verifier and the page to
 * return to; valid SSO_PENDING_TTL_S, one use. */
#define SSO_PENDING_TTL_S 600
int sso_pending_put(struct db *db, const char *state, const char *nonce, const char *verifier,
                    const char *next, int64_t now);
/* Take (and delete) the login under way for `state`; ENOENT when unknown or expired. */
int sso_pending_take(struct db *db, const char *state, int64_t now, char nonce[64],
                     char verifier[64], char next[128]);
/* Create or update the user behind `id` (external: no local password) with the grant:
 * role, client, and the memberships of the groups the map names. EEXIST when the username
 * belongs to a local account or another identity, EPERM when the user was deactivated in
 * Lotsen; other errors from the store. */
int sso_user_login(struct db *db, const struct sso_map *m, const char *issuer,
                   const struct sso_identity *id, const struct sso_grant *g, int64_t now,
                   struct principal *who);
/* A one-time ticket (SSO_TICKET_TTL_S) the login page trades for a session token, so the
 * token never appears in a URL. */
#define SSO_TICKET_TTL_S 60
int sso_ticket_put(struct db *db, int64_t user_id, int64_t now, char ticket[44]);
/* Take (and delete) a ticket: the user, if still active. ENOENT otherwise. */
int sso_ticket_take(struct db *db, const char *ticket, int64_t now, struct principal *who);

#endif
