/* A side connection to PostgreSQL for several nodes on one database: the leases (one node
 * at a time holds a named lease, renewed on the database's clock) and LISTEN/NOTIFY.
 *
 * Each struct lease_conn is one libpq connection of its own, apart from the loop's
 * struct db, so a renewal never waits behind a request's batch. A connection is used from
 * one thread. Every call that talks to the server takes a deadline (CLOCK_MONOTONIC
 * milliseconds, lease_clock_ms) and gives up with ETIMEDOUT when it passes; the connection
 * is then closed and the next call opens it again.
 *
 * The leases live in the table cluster_leases (name, node, ticket, sip, http, expires_at,
 * and a standby's ask to hand the lease over: wanted_by, wanted_until), PostgreSQL only:
 * SQLite has one node, which always holds everything. */
#ifndef LOTSEN_STORE_LEASE_H
#define LOTSEN_STORE_LEASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lease_conn;

/* Who holds a lease, or who asks for it. */
struct lease_holder {
	char node[128];  /* the node's name (--node) */
	char sip[128];   /* its SIP address, "" without telephony */
	char http[128];  /* its HTTP address */
	int64_t left_ms; /* lease_take: how long the holder's lease still runs (≤ 0: expired) */
	char ticket[48]; /* lease_take: the holder's ticket */
};

/* Milliseconds of CLOCK_MONOTONIC: what deadlines are given in. */
int64_t lease_clock_ms(void);

/* Connect to `url` (postgresql://…) by `deadline`. `setup`: also create cluster_leases
 * when it does not exist. EIO (the server's message is logged), ETIMEDOUT, ENOMEM. */
int lease_open(struct lease_conn **lp, const char *url, bool setup, int64_t deadline);
void lease_close(struct lease_conn *l);

/* Take or renew the lease `name` for `me`, identified by `ticket` (unique per process:
 * a node restarted under the same name is a new ticket), for `ttl_ms` from the database's
 * now(). It is taken when nobody holds it, when its holder's time ran out more than
 * `grace_ms` ago (a node that has other work waits so, and lets an idle node take it
 * first), or renewed when `ticket` holds it. *held tells which; when not held, *holder
 * (may be NULL) is who does. Errors as lease_open; on an error the lease is not known to
 * be held. */
int lease_take(struct lease_conn *l, const char *name, const char *ticket,
               const struct lease_holder *me, int ttl_ms, int grace_ms, int64_t deadline,
               bool *held, struct lease_holder *holder);
/* Renew the lease `name` for `ttl_ms` only if `ticket` still holds it, whether or not its
 * time ran out meanwhile: nobody else can have held it since, so its holder may go on.
 * *held false: another ticket holds it now (or nobody: it was released). *wanted (may be
 * NULL): another node asked for it (lease_want) and its ask still runs. */
int lease_renew(struct lease_conn *l, const char *name, const char *ticket, int ttl_ms,
                int64_t deadline, bool *held, bool *wanted);
/* Ask the holder of `name` to hand it over to `ticket`, for `ttl_ms`, when that holder
 * also holds the lease `with` (one node with both, while this one has neither). *asked:
 * the ask was written (the holder sees it at its next renewal). */
int lease_want(struct lease_conn *l, const char *name, const char *ticket, const char *with,
               int ttl_ms, int64_t deadline, bool *asked);
/* Give the lease up at once when `ticket` holds it (a clean stop): another node need not
 * wait for it to run out. */
int lease_release(struct lease_conn *l, const char *name, const char *ticket, int64_t deadline);

/* pg_notify(channel, payload) for each payload, in order. Payloads must be below 8000
 * bytes (PostgreSQL's limit): a longer one is EMSGSIZE before anything is sent. */
int lease_notify(struct lease_conn *l, const char *channel, const char *const *payloads, size_t n,
                 int64_t deadline);
/* LISTEN on `channel` ([a-z_]+; EINVAL otherwise). */
int lease_listen(struct lease_conn *l, const char *channel, int64_t deadline);
/* The connection's socket, to wait on (-1 when closed). */
int lease_fd(const struct lease_conn *l);
/* One notification received: its channel and payload, borrowed for the call. */
typedef void(lease_note_h)(const char *channel, const char *payload, void *arg);
/* Read what the server sent (without waiting) and hand each notification to `h`. EPIPE
 * when the connection is gone (close it and open a new one). */
int lease_consume(struct lease_conn *l, lease_note_h *h, void *arg);

#endif
