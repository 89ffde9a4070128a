/* Tenants on a shared PostgreSQL cluster (tenant_pg.h): the administrator's SQL that makes,
 * lists and removes a municipality's role and database.
 *
 * Role and database names are identifiers, which cannot be bound parameters: a name is
 * checked first (tenant_name_valid) and then quoted by libpq (PQescapeIdentifier) before
 * it goes into the statement; everything else is bound or a constant. The database is
 * copied from template0, so nothing installed in the cluster's template1 (dblink,
 * postgres_fdw, …) comes with it.
 */
#include "store/tenant_pg.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <sodium.h>

#define PREFIX     "lotsen_"
#define PW_BYTES   18 /* random bytes of a generated password: 24 characters of base64url */
#define IDENT_SIZE (sizeof(PREFIX) + TENANT_NAME_MAX)

bool tenant_name_valid(const char *name)
{
	size_t n = 0;

	if (!name)
		return false;
	for (; name[n]; n++) {
		char c = name[n];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return n >= 1 && n <= TENANT_NAME_MAX;
}

void tenant_created_free(struct tenant_created *t)
{
	if (!t)
		return;
	free(t->url);
	if (t->password)
		sodium_memzero(t->password, strlen(t->password));
	free(t->password);
	t->url = t->password = NULL;
}

static void say(char *msg, size_t n, const char *fmt, ...)
{
	va_list ap;

	if (!msg || !n)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, n, fmt, ap);
	va_end(ap);
}

/* `what`, then the server's message of a failed result (or of the connection) on one
 * line: libpq's messages end in a newline and carry DETAIL/HINT on lines of their own. */
static void server_words(char *msg, size_t n, PGconn *c, const PGresult *r, const char *what)
{
	const char *m = r ? PQresultErrorMessage(r) : c ? PQerrorMessage(c) : NULL;
	size_t len;

	say(msg, n, "%s: %s", what, m && *m ? m : "the connection was lost");
	if (!msg || !n)
		return;
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	len = strlen(msg);
	while (len && msg[len - 1] == ' ')
		msg[--len] = '\0';
}

static int state_err(const PGresult *r)
{
	const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

	if (!st)
		return EIO;
	if (strcmp(st, "42710") == 0 || strcmp(st, "42P04") == 0) /* duplicate role, database */
		return EEXIST;
	if (strcmp(st, "42501") == 0) /* insufficient privilege */
		return EPERM;
	if (strcmp(st, "3D000") == 0 || strcmp(st, "42704") == 0) /* no such database, role */
		return ENOENT;
	return EIO;
}

/* DROP … IF EXISTS tells about what was not there; the command line shows no notices. */
static void quiet_h(void *arg, const char *m)
{
	(void)arg;
	(void)m;
}

/* A connection with the cluster's URL, to its own database or to `dbname`. */
static int connect_to(PGconn **cp, const char *cluster, const char *dbname, char *msg, size_t n)
{
	/* A second dbname overrides the one in the URL the first is expanded from. */
	const char *const keys[] = {"dbname", dbname ? "dbname" : NULL, NULL};
	const char *const vals[] = {cluster, dbname, NULL};
	PGconn *c = PQconnectdbParams(keys, vals, 1);

	if (!c) {
		say(msg, n, "out of memory");
		return ENOMEM;
	}
	if (PQstatus(c) != CONNECTION_OK) {
		server_words(msg, n, c, NULL, "cannot connect to the cluster");
		PQfinish(c);
		return EHOSTUNREACH;
	}
	PQsetNoticeProcessor(c, quiet_h, NULL);
	*cp = c;
	return 0;
}

/* One command without parameters. */
static int run(PGconn *c, const char *sql, const char *what, char *msg, size_t n)
{
	PGresult *r = PQexec(c, sql);
	ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	int err = 0;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		err = state_err(r);
		server_words(msg, n, c, r, what);
	}
	PQclear(r);
	return err;
}

/* Whether the role and the database called `ident` exist, and whether the connection's
 * role is a superuser. */
static int look(PGconn *c, const char *ident, bool *role, bool *database, bool *super, char *msg,
                size_t n)
{
	const char *const vals[] = {ident};
	PGresult *r = PQexecParams(c,
	                           "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1),"
	                           " EXISTS (SELECT 1 FROM pg_database WHERE datname = $1),"
	                           " (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)",
	                           1, NULL, vals, NULL, NULL, 0);
	int err = 0;

	if (!r || PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		err = r ? state_err(r) : EIO;
		server_words(msg, n, c, r, "cannot read the cluster's roles and databases");
	} else {
		*role = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
		*database = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
		*super = strcmp(PQgetvalue(r, 0, 2), "t") == 0;
	}
	PQclear(r);
	return err;
}

/* ======================================================================
 * The tenant's URL
 * ====================================================================== */

struct buf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* A value in a URL: percent-encoded but for the unreserved characters and `/` (a socket
 * directory stays readable; libpq decodes either form). */
static void put_enc(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
			put(b, (const char *)&c, 1);
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};
			put(b, e, 3);
		}
	}
}

/* A host name (or address) that reads well in the URL's authority: one, not a socket
 * directory, not an IPv6 address. */
static bool plain_host(const char *h)
{
	return h && *h && !strpbrk(h, "/,:@[]%?#");
}

/* postgresql://IDENT@[HOST[:PORT]]/IDENT?the cluster URL's other settings: the cluster's
 * place and options with the tenant's role and database, and no password. */
static int tenant_url(const char *cluster, const char *ident, char **urlp, char *msg, size_t n)
{
	char *perr = NULL;
	PQconninfoOption *opts = PQconninfoParse(cluster, &perr);
	const char *host = NULL, *port = NULL;
	struct buf b = {0};
	bool authority, first = true;

	if (!opts) {
		say(msg, n, "the cluster's URL cannot be read: %s", perr ? perr : "out of memory");
		PQfreemem(perr);
		return EINVAL;
	}
	for (PQconninfoOption *o = opts; o->keyword; o++) {
		if (o->val && strcmp(o->keyword, "host") == 0)
			host = o->val;
		if (o->val && strcmp(o->keyword, "port") == 0)
			port = o->val;
	}
	authority = plain_host(host) && (!port || !strchr(port, ','));
	puts_(&b, "postgresql://");
	puts_(&b, ident);
	puts_(&b, "@");
	if (authority) {
		put_enc(&b, host);
		if (port && *port) {
			puts_(&b, ":");
			put_enc(&b, port);
		}
	}
	puts_(&b, "/");
	puts_(&b, ident);
	for (PQconninfoOption *o = opts; o->keyword; o++) {
		const char *k = o->keyword;
		if (!o->val || strcmp(k, "user") == 0 || strcmp(k, "password") == 0 ||
		    strcmp(k, "dbname") == 0 ||
		    (authority && (strcmp(k, "host") == 0 || strcmp(k, "port") == 0)))
			continue;
		puts_(&b, first ? "?" : "&");
		first = false;
		puts_(&b, k);
		puts_(&b, "=");
		put_enc(&b, o->val);
	}
	PQconninfoFree(opts);
	if (b.oom || !b.p) {
		free(b.p);
		say(msg, n, "out of memory");
		return ENOMEM;
	}
	*urlp = b.p;
	return 0;
}

/* ======================================================================
 * Making and removing a tenant
 * ====================================================================== */

/* A password of base64url characters, and the verifier the server stores for it (SCRAM by
 * the server's password_encryption), quoted as a literal: the password itself never
 * reaches the server's log or catalog. */
static int new_password(PGconn *c, const char *ident, char **pwp, char **literalp, char *msg,
                        size_t n)
{
	unsigned char raw[PW_BYTES];
	size_t len = sodium_base64_ENCODED_LEN(PW_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *pw = malloc(len), *verifier;

	if (!pw || sodium_init() < 0) {
		free(pw);
		say(msg, n, "cannot make a password");
		return ENOMEM;
	}
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(pw, len, raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	verifier = PQencryptPasswordConn(c, pw, ident, NULL);
	if (!verifier) {
		server_words(msg, n, c, NULL, "cannot encrypt the password");
		sodium_memzero(pw, strlen(pw));
		free(pw);
		return EIO;
	}
	*literalp = PQescapeLiteral(c, verifier, strlen(verifier));
	PQfreemem(verifier);
	if (!*literalp) {
		sodium_memzero(pw, strlen(pw));
		free(pw);
		say(msg, n, "out of memory");
		return ENOMEM;
	}
	*pwp = pw;
	return 0;
}

int tenant_create(const char *cluster, const char *name, bool with_password,
                  struct tenant_created *out, char *msg, size_t msgsz)
{
	char ident[IDENT_SIZE], sql[600], undo[200];
	char *qid = NULL, *pw = NULL, *pwlit = NULL, *url = NULL;
	PGconn *c = NULL, *t = NULL;
	bool role = false, database = false, super = false;
	bool made_role = false, made_db = false;
	int err;

	if (!cluster || !out)
		return EINVAL;
	memset(out, 0, sizeof(*out));
	if (!tenant_name_valid(name)) {
		say(msg, msgsz,
		    "bad tenant name \"%s\": use 1–%d of a–z, 0–9 and _ (for example sollentuna)",
		    name ? name : "", TENANT_NAME_MAX);
		return EINVAL;
	}
	snprintf(ident, sizeof(ident), PREFIX "%s", name);
	err = tenant_url(cluster, ident, &url, msg, msgsz);
	if (err)
		return err;
	err = connect_to(&c, cluster, NULL, msg, msgsz);
	if (err)
		goto out;
	err = look(c, ident, &role, &database, &super, msg, msgsz);
	if (err)
		goto out;
	if (role || database) {
		say(msg, msgsz, "tenant %s exists already: the %s %s is on the cluster", name,
		    database ? "database" : "role", ident);
		err = EEXIST;
		goto out;
	}
	qid = PQescapeIdentifier(c, ident, strlen(ident));
	if (!qid) {
		say(msg, msgsz, "out of memory");
		err = ENOMEM;
		goto out;
	}
	if (with_password) {
		err = new_password(c, ident, &pw, &pwlit, msg, msgsz);
		if (err)
			goto out;
	}

	/* The role: may log in, nothing else (no superuser, CREATEDB, CREATEROLE, …). */
	snprintf(sql, sizeof(sql), "CREATE ROLE %s LOGIN PASSWORD %s", qid, pwlit ? pwlit : "NULL");
	err = run(c, sql, "cannot create the role", msg, msgsz);
	if (err)
		goto out;
	made_role = true;
	/* An administrator who is not a superuser must be a member of a role to give it a
	 * database; it stays one, so it can also back the tenant up and remove it. */
	if (!super) {
		snprintf(sql, sizeof(sql), "GRANT %s TO CURRENT_USER", qid);
		err = run(c, sql, "cannot make the administrator a member of the role", msg, msgsz);
		if (err)
			goto out;
	}
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s OWNER %s TEMPLATE template0 ENCODING 'UTF8'",
	         qid, qid);
	err = run(c, sql, "cannot create the database", msg, msgsz);
	if (err)
		goto out;
	made_db = true;
	snprintf(sql, sizeof(sql),
	         "REVOKE CONNECT, TEMPORARY ON DATABASE %s FROM PUBLIC;"
	         " GRANT CONNECT, TEMPORARY ON DATABASE %s TO %s",
	         qid, qid, qid);
	err = run(c, sql, "cannot restrict who may connect to the database", msg, msgsz);
	if (err)
		goto out;
	err = connect_to(&t, cluster, ident, msg, msgsz);
	if (!err)
		err = run(t, "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
		          "cannot restrict the schema public", msg, msgsz);
	if (err)
		goto out;

	out->url = url;
	out->password = pw;
	url = pw = NULL;
out:
	if (err && (made_db || made_role)) {
		/* Nothing half-made: what was made goes again (the first error is reported). */
		if (made_db) {
			snprintf(undo, sizeof(undo), "DROP DATABASE IF EXISTS %s WITH (FORCE)",
			         qid);
			PQclear(PQexec(c, undo));
		}
		snprintf(undo, sizeof(undo), "DROP ROLE IF EXISTS %s", qid);
		PQclear(PQexec(c, undo));
	}
	if (pw)
		sodium_memzero(pw, strlen(pw));
	free(pw);
	PQfreemem(pwlit);
	PQfreemem(qid);
	free(url);
	PQfinish(t);
	PQfinish(c);
	return err;
}

int tenant_drop(const char *cluster, const char *name, char *msg, size_t msgsz)
{
	char ident[IDENT_SIZE], sql[200];
	char *qid = NULL;
	PGconn *c = NULL;
	bool role = false, database = false, super = false;
	int err;

	if (!tenant_name_valid(name)) {
		say(msg, msgsz, "bad tenant name \"%s\"", name ? name : "");
		return EINVAL;
	}
	snprintf(ident, sizeof(ident), PREFIX "%s", name);
	err = connect_to(&c, cluster, NULL, msg, msgsz);
	if (err)
		return err;
	err = look(c, ident, &role, &database, &super, msg, msgsz);
	if (err)
		goto out;
	if (!role && !database) {
		say(msg, msgsz, "no tenant %s on the cluster", name);
		err = ENOENT;
		goto out;
	}
	qid = PQescapeIdentifier(c, ident, strlen(ident));
	if (!qid) {
		err = ENOMEM;
		goto out;
	}
	/* WITH (FORCE): the tenant's nodes' sessions are closed first. */
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", qid);
	err = run(c, sql, "cannot remove the database", msg, msgsz);
	if (err)
		goto out;
	snprintf(sql, sizeof(sql), "DROP ROLE IF EXISTS %s", qid);
	err = run(c, sql, "cannot remove the role", msg, msgsz);
out:
	PQfreemem(qid);
	PQfinish(c);
	return err;
}

int tenant_list(const char *cluster, tenant_list_h *h, void *arg, char *msg, size_t msgsz)
{
	PGconn *c = NULL;
	PGresult *r;
	int err = connect_to(&c, cluster, NULL, msg, msgsz);

	if (err)
		return err;
	r = PQexec(c, "SELECT datname, pg_get_userbyid(datdba) FROM pg_database"
	              " WHERE datname LIKE 'lotsen\\_%' ORDER BY datname");
	if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
		err = r ? state_err(r) : EIO;
		server_words(msg, msgsz, c, r, "cannot list the cluster's databases");
	} else {
		for (int i = 0; i < PQntuples(r); i++) {
			const char *db = PQgetvalue(r, i, 0);
			if (tenant_name_valid(db + strlen(PREFIX)))
				h(db + strlen(PREFIX), db, PQgetvalue(r, i, 1), arg);
		}
	}
	PQclear(r);
	PQfinish(c);
	return err;
}
