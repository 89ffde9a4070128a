/* Several Lotsen nodes on one PostgreSQL database: which node runs the queue engine, and
 * which runs the jobs.
 *
 * Two leases per database (store/lease.h). The holder of "queues" runs the queue engine
 * for every group and its timers, and answers the calls; the other nodes are standbys for
 * it that serve the rest of the API and the web. The holder of "jobs" runs what one node
 * alone may do beside the queue: the e-mail fetchers and sender, report delivery,
 * retention, reminders of overdue handovers. A thread of its own renews each lease every
 * CLUSTER_RENEW_MS on a connection of its own, so a busy loop never delays a renewal; a
 * lease runs out CLUSTER_TTL_MS after the database's now() at the last renewal.
 *
 * The two spread over the nodes and come back together only when one node is left: a
 * lapsed jobs lease goes to a node without the queue first (the queue's holder waits
 * JOBS_GRACE_MS longer), and a node that holds neither asks a node that holds both to
 * hand the jobs over (lease_want). That node stops its jobs at a quiet moment (no report
 * delivery or retention batch running) and releases the lease, and the asking node takes
 * it: a node restarted after a failover gets work again. E-mail the jobs' node stores
 * becomes a queue item on the queue's node through a NOTIFY of its case (the queue's
 * node also picks such e-mail up whenever it loads); mailbox changes made on any node
 * reach the jobs' fetchers the same way.
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
#include <stdint.h>

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

enum cluster_jobs_event {
	CLUSTER_JOBS_START,    /* the jobs lease came to this node: start the jobs */
	CLUSTER_JOBS_STOP,     /* it left (another node holds it, or it was not renewed in
	                          time): stop them now */
	CLUSTER_JOBS_HANDOVER, /* an idle node asked for them: stop them at a quiet moment,
	                          then cluster_jobs_released */
	CLUSTER_JOBS_MAILBOXES /* mailboxes changed on another node: reload the fetchers */
};

/* What the node does when the leases move, each on the loop. */
struct cluster_hooks {
	void (*takeover)(void *arg); /* this node has just taken the queue (it was a standby) */
	void (*reload)(void *arg);   /* holder: a standby changed what the engine loads */
	void (*jobs)(enum cluster_jobs_event ev, void *arg);
	void (*mail)(int64_t case_id, void *arg); /* holder: the jobs' node stored a case's
	                                             e-mail; it becomes a queue item. 0: the
	                                             news may have been missed (the lease's
	                                             connection was away): look at them all */
};

/* Connect, try each lease once (so a lone node starts with both without waiting), then
 * renew or try again on the leases' threads. *holder says whether this node runs the
 * queue now, *jobs whether it runs the jobs (later changes come as hooks). Standbys start
 * listening for the holder's notes at once (cluster_relay sets where they go). EIO,
 * ETIMEDOUT: the database is not there. */
int cluster_start(struct cluster **cp, const struct cluster_conf *conf,
                  const struct cluster_hooks *hooks, void *arg, bool *holder, bool *jobs);
/* Stop the threads; the leases held are given up (after the engine and the jobs stopped)
 * so another node takes them at once. */
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

/* The jobs run on this node now. */
bool cluster_runs_jobs(const struct cluster *c);
/* After CLUSTER_JOBS_HANDOVER: the jobs stopped; the lease goes to the node that asked. */
void cluster_jobs_released(struct cluster *c);
/* The jobs' node (not the queue's) stored e-mail of case `case_id`: tell the queue's.
 * 0: the jobs have just come here; the queue's node looks for e-mail without an item. */
void cluster_mail_elsewhere(struct cluster *c, int64_t case_id);
/* A node without the jobs changed the mailboxes: the jobs' node reloads its fetchers. */
void cluster_mailboxes_elsewhere(void *arg);

#endif
