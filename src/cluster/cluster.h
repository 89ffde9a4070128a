/* Several Lotsen nodes on one PostgreSQL database: which node runs the queue engine.
 *
 * One lease, "queues", per database (store/lease.h): its holder runs the queue engine for
 * every group, its timers and the other jobs only one node may do (e-mail intake,
 * retention, report delivery, reminders); the other nodes are standbys that serve the
 * rest of the API and the web. A thread of its own renews the lease every
 * CLUSTER_RENEW_MS on a connection of its own, so a busy loop never delays a renewal; the
 * lease runs out CLUSTER_TTL_MS after the database's now() at the last renewal.
 *
 * A holder that has not renewed by CLUSTER_TTL_MS - CLUSTER_MARGIN_MS after it sent its
 * last successful renewal (its own monotonic clock, which runs behind the database's
 * view of the same renewal) is late: its engine stops at its next event (a fence on the
 * loop) and the thread tries to renew every 200 ms, on the condition that its own ticket
 * still holds the lease. If it does (a stalled database, a paused machine: nobody took the
 * lease meanwhile) the engine goes on where it stopped, `event=cluster.lease_kept`. If
 * another node holds it, or no renewal comes back for CLUSTER_LATE_MAX_MS, it logs
 * `event=cluster.lease_lost` and ends the process at once with exit code 3: two engines
 * never run at once, and the service manager restarts it as a standby. A standby that
 * takes the lease hears cluster_takeover_h on the loop.
 *
 * Live events: the holder publishes what its engine tells listeners (group and agent
 * snapshots, actions for desks, e-mail offers) with NOTIFY; standbys LISTEN on a
 * connection of their own on the loop and hand the notes to a listener of the same type
 * as the engine's (acd_note_h), so every node's event streams show the live queue. A
 * standby's changes to groups, hours and memberships reach the holder's engine as a
 * NOTIFY it hears on its lease connection (cluster_reload_elsewhere). */
#ifndef LOTSEN_CLUSTER_CLUSTER_H
#define LOTSEN_CLUSTER_CLUSTER_H

#include <stdbool.h>

#include "acdhost/acd_host.h"

#define CLUSTER_RENEW_MS    500
#define CLUSTER_TTL_MS      3000
#define CLUSTER_MARGIN_MS   700   /* > what a database crash may lose of async renewals */
#define CLUSTER_LATE_MAX_MS 10000 /* a late holder that cannot renew for this long exits */
#define CLUSTER_EXIT_LOST   3     /* the exit code of a holder that lost its lease */

struct cluster;

struct cluster_conf {
	const char *url;  /* the database (postgresql://…), borrowed for the call */
	const char *node; /* this node's name */
	const char *sip;  /* its SIP address, "" without telephony */
	const char *http; /* its HTTP address */
};

/* On the loop: this node has just taken the lease (it was a standby). */
typedef void(cluster_takeover_h)(void *arg);
/* On the loop (holder): a standby changed what the engine loads; reload it. */
typedef void(cluster_reload_h)(void *arg);

/* Connect, try the lease once (so a lone node starts as the holder without waiting),
 * then renew or try again on the lease thread. *holder says which this node is now.
 * Standbys start listening for the holder's notes at once (cluster_relay sets where
 * they go). EIO, ETIMEDOUT: the database is not there. */
int cluster_start(struct cluster **cp, const struct cluster_conf *conf,
                  cluster_takeover_h *takeover, cluster_reload_h *reload, void *arg, bool *holder);
/* Stop the thread; a holder gives the lease up (after its engine stopped) so another node
 * takes it at once. */
void cluster_stop(struct cluster *c);

bool cluster_is_holder(const struct cluster *c);
/* The node's name, as given. */
const char *cluster_node(const struct cluster *c);

/* Standby: the listener the holder's notes go to (the HTTP streams). */
void cluster_relay(struct cluster *c, acd_note_h *fn, void *arg);
/* Holder: publish `host`'s notes to the standbys from now on, starting with every group's
 * snapshot (then again every few seconds, for standbys that started since). */
int cluster_publish(struct cluster *c, struct acd_host *host);
/* Standby: ask the holder to reload groups, hours and memberships. */
void cluster_reload_elsewhere(void *arg);

#endif
