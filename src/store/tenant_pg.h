/* Tenants on a shared PostgreSQL cluster: one database and one role per municipality.
 *
 * A tenant NAME is the database lotsen_NAME owned by the role lotsen_NAME; CONNECT on it
 * is revoked from PUBLIC and granted to that role only, so a municipality's nodes, which
 * log in as its role, reach its database and no other tenant's. What is per municipality
 * (users, numbers, the calendar, reports, retention, cases) is then separate because it
 * lives in a separate database: PostgreSQL has no query across databases.
 *
 * These functions are the cluster administrator's: `cluster` is a libpq URL of a role
 * that may create roles and databases (a superuser, or CREATEROLE and CREATEDB). Lotsen's
 * own migrations are not run here (store/ does not know the modules' schemas): the caller
 * runs them on tenant_create's URL and calls tenant_drop when that fails.
 *
 * Errors: EINVAL a bad name, EEXIST the tenant's role or database exists already, ENOENT
 * no such tenant, EHOSTUNREACH the cluster cannot be reached (or refused the login),
 * EPERM the cluster's role may not do it, EIO anything else. `msg` (may be NULL) receives
 * one line saying what went wrong, in the server's words where it has some; it never holds
 * the cluster's URL, which may carry a password.
 */
#ifndef LOTSEN_STORE_TENANT_PG_H
#define LOTSEN_STORE_TENANT_PG_H

#include <stdbool.h>
#include <stddef.h>

#define TENANT_NAME_MAX 40 /* characters of a tenant's name, without "lotsen_" */

/* Whether `name` is a tenant's name: 1–40 of a–z, 0–9 and `_` (it is put after
 * "lotsen_" in names, so it may start with any of them). */
bool tenant_name_valid(const char *name);

/* What tenant_create made. */
struct tenant_created {
	char *url;      /* the tenant's URL for `--db`: its role and database, the cluster's host
	                   and options, never a password (owned, free with tenant_created_free) */
	char *password; /* the role's generated password, NULL with no password (owned) */
};
void tenant_created_free(struct tenant_created *t);

/* Make tenant `name` on `cluster`: the role (LOGIN, no other attribute; with a generated
 * password when `with_password`, stored on the server as its SCRAM verifier only), the
 * database owned by it, CONNECT and TEMPORARY revoked from PUBLIC and CONNECT granted to
 * the role, CREATE on the schema public revoked from PUBLIC. Nothing is left behind when a
 * step fails. */
int tenant_create(const char *cluster, const char *name, bool with_password,
                  struct tenant_created *out, char *msg, size_t msgsz);

/* Remove tenant `name`'s database (closing its connections) and role. Used to undo a
 * tenant_create whose migrations failed; ENOENT when neither exists. */
int tenant_drop(const char *cluster, const char *name, char *msg, size_t msgsz);

/* One tenant in a listing: its name, database and the database's owner (the tenant's role
 * for a database made by tenant_create). */
typedef void(tenant_list_h)(const char *name, const char *database, const char *owner, void *arg);

/* The tenants on `cluster`, by name: every database called lotsen_NAME with a valid NAME. */
int tenant_list(const char *cluster, tenant_list_h *h, void *arg, char *msg, size_t msgsz);

#endif
