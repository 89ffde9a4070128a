/* The queue engine's place in the server.
 *
 * The host owns the pure engine (acd.h) and does what the engine may not: it reads
 * the clock, loads groups and agents from the database, stores every event the engine
 * reports in the append-only table acd_events (the source of truth for queue
 * statistics; the tables are acd_store.h's), folds them into 15-minute rollups
 * (acd_stats.h) kept in the database, runs the engine's timers on libre's loop, and
 * tells listeners (the HTTP streams, later telephony) what to do and what changed.
 *
 * Call ids seen outside are unique for the life of the database: the engine numbers
 * its calls from 1 at every start, and the host adds the highest id stored before. */
#ifndef LOTSEN_ACDHOST_ACD_HOST_H
#define LOTSEN_ACDHOST_ACD_HOST_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "acd/acd.h"

struct acd_host;
struct db;
struct db_batch;

/* What listeners hear. ACTION: an action for telephony or an agent's desktop (id =
 * the agent, 0 when none); GROUP: a group's snapshot changed (id = group); AGENT: an
 * agent's state changed (id = agent). */
enum acd_note_kind {
	ACD_NOTE_ACTION = 1,
	ACD_NOTE_GROUP,
	ACD_NOTE_AGENT,
	ACD_NOTE_MAIL, /* an e-mail offer made or withdrawn (act; id = the agent; json = the item)
	                */
};
/* For ACTION, `act` is the engine's action with `call` the id as seen outside and
 * `json` is NULL: a listener that needs JSON (the event stream) makes it. For GROUP and
 * AGENT, `act` is NULL and `json` the snapshot as the API shows it. Both are borrowed
 * for the call only. */
typedef void(acd_note_h)(enum acd_note_kind kind, uint32_t id, const struct acd_action *act,
                         const json_t *json, void *arg);

/* Milliseconds since the epoch, from the real-time clock. */
int64_t acd_now_ms(void);

/* Start: load groups and agents, rebuild the rollups of the last day from the event
 * log (so statistics agree with it after a restart), log out agents a previous run
 * left logged in — unless `keep_agents` (a failover: another node's engine stopped a
 * moment ago), when they keep the state they had (ready, or paused for the same reason).
 * `db` is borrowed for the host's life. */
int acd_host_alloc(struct acd_host **hp, struct db *db, int64_t now_ms, bool keep_agents);
/* Stop: store the rollups and free. */
void acd_host_free(struct acd_host *h);

/* The loop's group commit (borrowed, NULL: none): the engine's writes outside any
 * transaction (its timers, the telephony) join the turn's batch instead of waiting for
 * the disk on the loop. Nothing the host writes is acknowledged by the host itself; who
 * acknowledges (a SIP 200) waits with db_batch_wait. */
void acd_host_set_batch(struct acd_host *h, struct db_batch *b);

/* Called before the engine's events are stored (NULL: none): where several nodes share a
 * database, the lease's check (cluster.h), which ends the process when this node may no
 * longer run the engine, so events of two engines never mix in the log. */
typedef void(acd_fence_h)(void *arg);
void acd_host_set_fence(struct acd_host *h, acd_fence_h *fn, void *arg);

/* Reload groups, hours, closures and agents' memberships after an administrator changed them. */
int acd_host_reload(struct acd_host *h, int64_t now_ms);
/* The group's member who has been ready longest, other than `except` (a consultation with
 * the group calls that agent). ENOENT: no such group; EAGAIN: nobody is ready. */
int acd_host_ready_agent(struct acd_host *h, uint32_t group, uint32_t except, uint32_t *agent);
/* Hand an agent's stored languages to the engine (after they changed). */
int acd_host_agent_languages(struct acd_host *h, uint32_t agent);
/* At most ACD_HOST_LISTENERS listeners; ENOSPC beyond. */
#define ACD_HOST_LISTENERS 4
int acd_host_listen(struct acd_host *h, acd_note_h *fn, void *arg);
void acd_host_unlisten(struct acd_host *h, acd_note_h *fn, void *arg);

/* The engine, to feed events into at `now` (deadlines due by then are run first, so
 * events stay in time order); call acd_host_flush right after. */
struct acd *acd_host_engine(struct acd_host *h, int64_t now_ms);
/* Store the engine's new events, fold them into the rollups, hand actions to the
 * listeners, publish changed snapshots and re-arm the engine's timer. Writes join the
 * caller's transaction when one is open (an HTTP request's), else use their own. */
int acd_host_flush(struct acd_host *h, int64_t now_ms);

/* External call ids ↔ the engine's. ENOENT for a call of an earlier run or unknown. */
int acd_host_call_engine_id(const struct acd_host *h, int64_t id, uint64_t *engine_id);
int64_t acd_host_call_id(const struct acd_host *h, uint64_t engine_id);

/* JSON views used by the API and the streams (new references). */
int acd_host_group_json(struct acd_host *h, int64_t now_ms, uint32_t group, json_t **out);
int acd_host_agent_json(struct acd_host *h, int64_t now_ms, uint32_t agent, json_t **out);
int acd_host_call_json(struct acd_host *h, int64_t now_ms, int64_t id, json_t **out);
/* The ids of the groups loaded (at most max); returns how many there are. */
size_t acd_host_groups(const struct acd_host *h, uint32_t *ids, size_t max);
/* Is the group known to the engine (active in the database at the last load)? */
bool acd_host_has_group(const struct acd_host *h, uint32_t group);

/* A group's figures for GET /metrics: counters since the server started and the queue
 * now. ENOENT for a group not loaded. */
struct acd_host_group_metrics {
	uint32_t group;
	uint64_t offered;      /* calls queued while open */
	uint64_t answered;     /* calls answered by an agent */
	uint64_t abandoned;    /* callers who hung up while waiting (short abandons too) */
	int waiting;           /* callers on the line now */
	int callbacks_waiting; /* callbacks keeping a place now */
	int agents_by_state[ACD_AGENT_PAUSED + 1]; /* the group's members per state now */
};
int acd_host_group_metrics(struct acd_host *h, int64_t now_ms, uint32_t group,
                           struct acd_host_group_metrics *out);

/* ---- e-mail items (acd_mail.c) ----
 * An item is an e-mail case waiting for an agent; its id (acd_mail_items.id) is stable
 * across restarts. Errors: ENOENT (unknown item), EACCES (the agent is not in the item's
 * group, or does not hold it), EBUSY (taken by someone else, or the agent has a call or
 * another e-mail), EALREADY (the case was answered), EPERM (the agent is logged out of
 * the queue; releasing an item that waits). */

/* mail_intake's observer (arg: the host): a new incoming message was stored on the case:
 * its e-mail item is queued unless one is open (waiting, or held by an agent, who sees
 * the new message on the case). */
void acd_host_mail_stored(int64_t case_id, int64_t message_row, void *arg);
/* Every e-mail case that needs an answer and has no item gets one (the observer's news
 * may have been lost: several nodes, cluster.h). */
int acd_host_mail_catch_up(struct acd_host *h, int64_t now_ms);
/* The case was answered: its item is done (an agent working it is free again). */
int acd_host_mail_answered(struct acd_host *h, int64_t case_id, int64_t now_ms);
/* Take (or accept the offer of) an item; release (decline, or put back) one. */
int acd_host_mail_take(struct acd_host *h, int64_t item, uint32_t agent, int64_t now_ms);
int acd_host_mail_release(struct acd_host *h, int64_t item, uint32_t agent, int64_t now_ms);
/* {"items":[…]}: the group's waiting items, first due first. ENOENT: unknown group. */
int acd_host_mail_queue_json(struct acd_host *h, uint32_t group, int64_t now_ms, json_t **out);
/* One item as the desk shows it (with "state": waiting, offered, taken, done). */
int acd_host_mail_item_json(struct acd_host *h, int64_t item, int64_t now_ms, json_t **out);
/* Whether the user is a member of the group (user_groups). */
bool acd_host_mail_member(struct acd_host *h, int64_t user, int64_t group);
/* An agent's channels (enum acd_channel bits), stored and given to the engine. EINVAL;
 * ENOENT: no such user. */
int acd_host_agent_channels(struct acd_host *h, uint32_t agent, unsigned channels);

/* Write the rollups of the last day to the database (also done every 15 minutes). */
int acd_host_store_rollups(struct acd_host *h, int64_t now_ms);

#endif
