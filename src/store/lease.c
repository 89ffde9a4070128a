/* Leases and LISTEN/NOTIFY on a PostgreSQL connection of their own (store/lease.h). */
#include "store/lease.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "base/log.h"

#define NOTIFY_MAX   7999 /* bytes of a payload PostgreSQL takes (below 8000) */
#define NOTIFY_BATCH 16   /* pg_notify calls in one statement */

struct lease_conn {
	PGconn *c; /* NULL once closed after an error */
};

int64_t lease_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for the socket until `deadline`: 0, ETIMEDOUT or EIO. */
static int wait_sock(PGconn *c, bool write, int64_t deadline)
{
	struct pollfd p = {.fd = PQsocket(c), .events = write ? POLLOUT : POLLIN};
	int64_t left = deadline - lease_clock_ms();
	int n;

	if (p.fd < 0)
		return EIO;
	if (left <= 0)
		return ETIMEDOUT;
	do
		n = poll(&p, 1, (int)(left > 1000000 ? 1000000 : left));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return EIO;
	return n == 0 ? ETIMEDOUT : 0;
}

static void drop(struct lease_conn *l)
{
	if (l->c)
		PQfinish(l->c);
	l->c = NULL;
}

/* One statement with text parameters, its result (the last one) in *out (may be NULL).
 * On any failure the connection is dropped: a statement cut off by the deadline leaves
 * it in a state nobody should reuse. */
static int run(struct lease_conn *l, const char *sql, int n, const char *const *vals,
               int64_t deadline, PGresult **out)
{
	PGresult *last = NULL, *r;
	int err = 0, f;

	if (out)
		*out = NULL;
	if (!l->c)
		return EIO;
	if (!PQsendQueryParams(l->c, sql, n, NULL, vals, NULL, NULL, 0)) {
		err = EIO;
		goto out;
	}
	while ((f = PQflush(l->c)) == 1)
		if ((err = wait_sock(l->c, true, deadline)) != 0)
			goto out;
	if (f < 0) {
		err = EIO;
		goto out;
	}
	for (;;) {
		while (PQisBusy(l->c)) {
			if ((err = wait_sock(l->c, false, deadline)) != 0)
				goto out;
			if (!PQconsumeInput(l->c)) {
				err = EIO;
				goto out;
			}
		}
		r = PQgetResult(l->c);
		if (!r)
			break;
		if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK) {
			if (!err)
				log_warn("cluster.sql", "error=\"%s\"",
				         PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)
				                 ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)
				                 : "unknown");
			err = EIO;
		}
		PQclear(last);
		last = r;
	}
out:
	if (err) {
		PQclear(last);
		drop(l);
		return err;
	}
	if (out)
		*out = last;
	else
		PQclear(last);
	return 0;
}

static void quiet_h(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static const char CREATE_SQL[] = "CREATE TABLE IF NOT EXISTS cluster_leases ("
                                 " name text PRIMARY KEY,"
                                 " node text NOT NULL,"
                                 " ticket text NOT NULL,"
                                 " sip text NOT NULL DEFAULT '',"
                                 " http text NOT NULL DEFAULT '',"
                                 " expires_at timestamptz NOT NULL,"
                                 " wanted_by text NOT NULL DEFAULT '',"
                                 " wanted_until timestamptz)";
/* A table from before the hand-over asks (lease_want). */
static const char ALTER_SQL[] = "ALTER TABLE cluster_leases"
                                " ADD COLUMN IF NOT EXISTS wanted_by text NOT NULL DEFAULT '',"
                                " ADD COLUMN IF NOT EXISTS wanted_until timestamptz";

int lease_open(struct lease_conn **lp, const char *url, bool setup, int64_t deadline)
{
	static const char *const keys[] = {"dbname", "application_name", NULL};
	const char *vals[] = {url, "lotsen-cluster", NULL};
	struct lease_conn *l;
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;
	int err = 0;

	if (!lp || !url)
		return EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return ENOMEM;
	l->c = PQconnectStartParams(keys, vals, 1);
	if (!l->c) {
		free(l);
		return ENOMEM;
	}
	if (PQstatus(l->c) == CONNECTION_BAD) {
		err = EIO;
		goto out;
	}
	while (st != PGRES_POLLING_OK) {
		if (st == PGRES_POLLING_FAILED) {
			err = EIO;
			goto out;
		}
		if ((err = wait_sock(l->c, st == PGRES_POLLING_WRITING, deadline)) != 0)
			goto out;
		st = PQconnectPoll(l->c);
	}
	PQsetNoticeProcessor(l->c, quiet_h, NULL); /* "already exists, skipping" and the like */
	if (PQsetnonblocking(l->c, 1) != 0) {
		err = EIO;
		goto out;
	}
	/* A renewal does not wait for the WAL's fsync: on a loaded disk that wait could outlast
	 * the lease and end a healthy holder. What a crash of the database may lose is its
	 * last ~0.6 s of renewals (three wal_writer_delay); the holder's own deadline
	 * (CLUSTER_MARGIN_MS, cluster.h) is shorter than the lease by more than that, so it
	 * has stopped before another node can see the lease run out. */
	err = run(l, "SET synchronous_commit = off", 0, NULL, deadline, NULL);
	if (!err && setup) {
		/* Two nodes starting at once may both create it: the loser's error is a
		 * unique violation on the catalog, and the table is there for its retry. */
		err = run(l, CREATE_SQL, 0, NULL, deadline, NULL);
		if (!err)
			err = run(l, ALTER_SQL, 0, NULL, deadline, NULL);
		if (err == EIO) {
			drop(l);
			free(l);
			return lease_open(lp, url, false, deadline);
		}
	}
out:
	if (err) {
		if (l->c && err == EIO)
			log_warn("cluster.connect", "error=\"%s\"", PQerrorMessage(l->c));
		drop(l);
		free(l);
		return err;
	}
	*lp = l;
	return 0;
}

void lease_close(struct lease_conn *l)
{
	if (!l)
		return;
	drop(l);
	free(l);
}

static void copy_text(char *dst, size_t n, const PGresult *r, int col)
{
	snprintf(dst, n, "%s", PQgetisnull(r, 0, col) ? "" : PQgetvalue(r, 0, col));
}

int lease_take(struct lease_conn *l, const char *name, const char *ticket,
               const struct lease_holder *me, int ttl_ms, int grace_ms, int64_t deadline,
               bool *held, struct lease_holder *holder)
{
	/* now() is the database's clock: the nodes' clocks never decide who holds it. A
	 * second node racing for an expired lease waits for the first's row lock and then
	 * finds it held again (the WHERE is evaluated on the row the first wrote). A new
	 * holder starts without anybody's ask to hand it over. */
	static const char TAKE_SQL[] =
	        "INSERT INTO cluster_leases AS l (name, node, ticket, sip, http, expires_at) "
	        "VALUES ($1, $2, $3, $4, $5, now() + $6::int * interval '1 millisecond') "
	        "ON CONFLICT (name) DO UPDATE SET node = EXCLUDED.node, ticket = EXCLUDED.ticket,"
	        " sip = EXCLUDED.sip, http = EXCLUDED.http, expires_at = EXCLUDED.expires_at,"
	        " wanted_by = CASE WHEN l.ticket = EXCLUDED.ticket THEN l.wanted_by ELSE '' END,"
	        " wanted_until = CASE WHEN l.ticket = EXCLUDED.ticket THEN l.wanted_until END "
	        "WHERE l.ticket = EXCLUDED.ticket"
	        " OR l.expires_at <= now() - $7::int * interval '1 millisecond' "
	        "RETURNING node";
	static const char WHO_SQL[] = "SELECT node, sip, http,"
	                              " (extract(epoch FROM expires_at - now()) * 1000)::bigint,"
	                              " ticket "
	                              "FROM cluster_leases WHERE name = $1";
	char ttl[16], grace[16];
	const char *vals[7];
	PGresult *r = NULL;
	int err;

	if (!l || !name || !ticket || !me || !held || ttl_ms <= 0 || grace_ms < 0)
		return EINVAL;
	*held = false;
	snprintf(ttl, sizeof(ttl), "%d", ttl_ms);
	snprintf(grace, sizeof(grace), "%d", grace_ms);
	vals[0] = name;
	vals[1] = me->node;
	vals[2] = ticket;
	vals[3] = me->sip;
	vals[4] = me->http;
	vals[5] = ttl;
	vals[6] = grace;
	err = run(l, TAKE_SQL, 7, vals, deadline, &r);
	if (err)
		return err;
	*held = PQntuples(r) == 1;
	PQclear(r);
	if (*held || !holder)
		return 0;
	err = run(l, WHO_SQL, 1, vals, deadline, &r);
	if (err)
		return err;
	memset(holder, 0, sizeof(*holder));
	if (PQntuples(r) == 1) {
		copy_text(holder->node, sizeof(holder->node), r, 0);
		copy_text(holder->sip, sizeof(holder->sip), r, 1);
		copy_text(holder->http, sizeof(holder->http), r, 2);
		holder->left_ms = strtoll(PQgetvalue(r, 0, 3), NULL, 10);
		copy_text(holder->ticket, sizeof(holder->ticket), r, 4);
	}
	PQclear(r);
	return 0;
}

int lease_renew(struct lease_conn *l, const char *name, const char *ticket, int ttl_ms,
                int64_t deadline, bool *held, bool *wanted)
{
	static const char RENEW_SQL[] =
	        "UPDATE cluster_leases SET expires_at = now() + $3::int * interval '1 millisecond' "
	        "WHERE name = $1 AND ticket = $2 "
	        "RETURNING wanted_by <> '' AND wanted_by <> $2 AND wanted_until > now()";
	char ttl[16];
	const char *vals[3] = {name, ticket, ttl};
	PGresult *r = NULL;
	int err;

	if (!l || !name || !ticket || !held || ttl_ms <= 0)
		return EINVAL;
	*held = false;
	if (wanted)
		*wanted = false;
	snprintf(ttl, sizeof(ttl), "%d", ttl_ms);
	err = run(l, RENEW_SQL, 3, vals, deadline, &r);
	if (err)
		return err;
	*held = PQntuples(r) == 1;
	if (*held && wanted)
		*wanted = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	return 0;
}

int lease_want(struct lease_conn *l, const char *name, const char *ticket, const char *with,
               int ttl_ms, int64_t deadline, bool *asked)
{
	/* Only a live holder of both is asked, and never by itself. */
	static const char WANT_SQL[] =
	        "UPDATE cluster_leases AS l SET wanted_by = $2,"
	        " wanted_until = now() + $4::int * interval '1 millisecond' "
	        "FROM cluster_leases AS w "
	        "WHERE l.name = $1 AND w.name = $3 AND l.ticket = w.ticket AND l.ticket <> $2"
	        " AND l.expires_at > now() AND w.expires_at > now() "
	        "RETURNING l.node";
	char ttl[16];
	const char *vals[4] = {name, ticket, with, ttl};
	PGresult *r = NULL;
	int err;

	if (!l || !name || !ticket || !with || !asked || ttl_ms <= 0)
		return EINVAL;
	*asked = false;
	snprintf(ttl, sizeof(ttl), "%d", ttl_ms);
	err = run(l, WANT_SQL, 4, vals, deadline, &r);
	if (err)
		return err;
	*asked = PQntuples(r) == 1;
	PQclear(r);
	return 0;
}

int lease_release(struct lease_conn *l, const char *name, const char *ticket, int64_t deadline)
{
	static const char RELEASE_SQL[] =
	        "UPDATE cluster_leases SET expires_at = now() - interval '1 second' "
	        "WHERE name = $1 AND ticket = $2";
	const char *vals[] = {name, ticket};

	if (!l || !name || !ticket)
		return EINVAL;
	return run(l, RELEASE_SQL, 2, vals, deadline, NULL);
}

int lease_notify(struct lease_conn *l, const char *channel, const char *const *payloads, size_t n,
                 int64_t deadline)
{
	const char *vals[NOTIFY_BATCH + 1];
	char sql[NOTIFY_BATCH * 24 + 16];

	if (!l || !channel)
		return EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!payloads[i] || strlen(payloads[i]) > NOTIFY_MAX)
			return EMSGSIZE;
	vals[0] = channel;
	while (n) {
		size_t k = n < NOTIFY_BATCH ? n : NOTIFY_BATCH, off;
		int err;

		off = (size_t)snprintf(sql, sizeof(sql), "SELECT ");
		for (size_t i = 0; i < k; i++) {
			vals[i + 1] = payloads[i];
			off += (size_t)snprintf(sql + off, sizeof(sql) - off,
			                        "%spg_notify($1, $%zu)", i ? ", " : "", i + 2);
		}
		err = run(l, sql, (int)k + 1, vals, deadline, NULL);
		if (err)
			return err;
		payloads += k;
		n -= k;
	}
	return 0;
}

int lease_listen(struct lease_conn *l, const char *channel, int64_t deadline)
{
	char sql[96];

	if (!l || !channel || !channel[0] || strlen(channel) > 63)
		return EINVAL;
	/* A channel is a name, not a value: it cannot be bound, so only [a-z_] passes. */
	for (const char *p = channel; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || *p == '_'))
			return EINVAL;
	snprintf(sql, sizeof(sql), "LISTEN %s", channel);
	return run(l, sql, 0, NULL, deadline, NULL);
}

int lease_fd(const struct lease_conn *l)
{
	return l && l->c ? PQsocket(l->c) : -1;
}

int lease_consume(struct lease_conn *l, lease_note_h *h, void *arg)
{
	PGnotify *n;

	if (!l || !l->c)
		return EPIPE;
	if (!PQconsumeInput(l->c) || PQstatus(l->c) == CONNECTION_BAD) {
		log_warn("cluster.listen", "error=\"%s\"", PQerrorMessage(l->c));
		drop(l);
		return EPIPE;
	}
	while ((n = PQnotifies(l->c)) != NULL) {
		if (h)
			h(n->relname, n->extra, arg);
		PQfreemem(n);
	}
	return 0;
}
