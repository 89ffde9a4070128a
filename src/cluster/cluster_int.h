/* The inside of the cluster room, shared by its two leases' files: cluster.c (the queue
 * lease, the holder's notes, the standbys' LISTEN, the life cycle) and cluster_jobs.c (the
 * jobs lease and its hand-over). */
#ifndef LOTSEN_CLUSTER_CLUSTER_INT_H
#define LOTSEN_CLUSTER_CLUSTER_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* libre's headers have no include guards: the includer includes re_types.h, re_list.h
 * and re_tmr.h before this. */
#include "cluster/cluster.h"
#include "store/lease.h"

#define LEASE_NAME     "queues"
#define LEASE_JOBS     "jobs"
#define CHANNEL_NOTES  "lotsen_queue"  /* the holder's notes for the standbys */
#define CHANNEL_RELOAD "lotsen_reload" /* a standby's "reload the groups" for the holder */
#define CHANNEL_MAIL   "lotsen_mail"   /* the jobs' node: a case's e-mail was stored (its id) */
#define CHANNEL_JOBS   "lotsen_jobs"   /* for the jobs' node: "mailboxes" changed */
/* The queue's holder takes a lapsed jobs lease this much later than an idle node would,
 * so an idle one takes it first. */
#define JOBS_GRACE_MS 1500
#define WANT_MS       2000           /* an idle node's ask for the jobs runs this long unrenewed */
#define OP_MS         CLUSTER_TTL_MS /* longest a standby's statement may take */
#define LISTEN_MS     300            /* longest the loop waits to connect its LISTEN (standby) */
#define RETRY_MS      1000           /* a standby's LISTEN connection lost: tried again after */
#define LATE_RETRY_MS 200            /* a late holder tries to renew again after */
#define REPUBLISH_MS  5000           /* every group's snapshot again, for standbys started since */
#define OUT_MAX       4096 /* notes waiting for the thread; more are dropped and counted */
#define PAYLOAD_MAX   7999 /* PostgreSQL's limit for a NOTIFY payload, below 8000 bytes */
#define NOTIFY_IDS    16   /* case ids in one NOTIFY statement */
#define MAIL_OUT_MAX  4096 /* case ids waiting for the jobs thread; more are left to a load */

enum {
	MQ_TAKEOVER = 1,
	MQ_RELOAD,
	MQ_MAIL,
	MQ_JOBS_ON,
	MQ_JOBS_OFF,
	MQ_JOBS_HANDOVER,
	MQ_JOBS_MAILBOXES
};

struct cluster {
	char *url;              /* the database (owned) */
	char ticket[48];        /* this process's claim: its pid and a random number */
	struct lease_holder me; /* what the lease row shows of this node */
	/* ---- shared with the lease thread, under mu ---- */
	pthread_mutex_t mu;
	pthread_cond_t cv;      /* wakes the thread: notes to send, a reload, stop */
	pthread_cond_t resumed; /* wakes the loop's fence: the late holder renewed */
	pthread_cond_t jobs_cv; /* wakes the jobs thread: notes to send, a release, stop */
	bool stop;              /* the thread ends */
	bool reload_pending;    /* a standby's NOTIFY of CHANNEL_RELOAD to send */
	char **out;             /* payloads to NOTIFY on CHANNEL_NOTES (owned) */
	size_t nout;
	uint64_t dropped;         /* notes dropped: too large, or too many waiting */
	_Atomic int64_t deadline; /* monotonic ms by which the holder must have renewed; 0: not
	                             the holder */
	/* ---- the lease thread's own ---- */
	pthread_t thread;
	bool thread_started;
	struct lease_conn *lc;   /* the lease's connection (before the thread: cluster_start's) */
	_Atomic bool queue_held; /* the lease thread holds the queue lease (the jobs thread
	                            reads it) */
	bool thread_holder;      /* the thread renewed the lease last time */
	char seen[128];          /* the holder last logged (standby) */
	bool down_logged;        /* the database's absence is logged once until it is back */
	int64_t late_since;      /* the holder's deadline passed unrenewed at (0: it did not) */
	int64_t last_renewed;    /* the holder's last renewal of its own ticket came back at */
	/* ---- the jobs lease: its own thread and connection (under mu where said) ---- */
	pthread_t jobs_thread;
	bool jobs_thread_started;
	struct lease_conn *jc;
	bool jobs_held;            /* the jobs thread holds the jobs lease */
	_Atomic uint64_t jobs_gen; /* counts the jobs lease's takes and ends here: a loop's
	                              start or release for an older one is void */
	int64_t jobs_deadline;     /* monotonic ms by which the jobs lease must be renewed */
	bool handover_asked;       /* the loop was asked to hand the jobs over */
	bool want_logged;          /* this node's ask for the jobs is logged once */
	bool jobs_down_logged;
	uint64_t release_gen; /* under mu: the loop stopped the jobs of this take; 0 none */
	int64_t *mail_out;    /* under mu: case ids to NOTIFY on CHANNEL_MAIL (owned) */
	size_t nmail_out;
	bool mailboxes_pending; /* under mu: NOTIFY "mailboxes" on CHANNEL_JOBS */
	/* ---- the loop's ---- */
	struct mqueue *mq;          /* thread → loop: takeover, reload */
	struct cluster_hooks hooks; /* the node's: takeover, reload, jobs, mail */
	void *arg;                  /* theirs */
	uint64_t jobs_running;      /* the loop runs the jobs of this take (0: it does not) */
	bool holder;                /* the engine runs here */
	acd_note_h *relay;          /* standby: where the holder's notes go */
	void *relay_arg;
	struct lease_conn *listen; /* standby: LISTEN on CHANNEL_NOTES */
	int listen_fd;             /* its socket while on the loop, else -1 */
	struct tmr listen_tmr;     /* reconnects the LISTEN */
	struct acd_host *host;     /* holder: the engine published (borrowed) */
	struct tmr republish_tmr;
};

/* cluster_jobs.c: the jobs lease's first try at the start (`queue`: this node took the
 * queue lease), its thread, and its release when the node stops. */
void jobs_first_take(struct cluster *c, bool queue);
void *jobs_main(void *arg);
void jobs_release_at_stop(struct cluster *c);

#endif
