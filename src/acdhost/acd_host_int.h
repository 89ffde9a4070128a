/* What the host's files share: the event log and rollup tables (acd_store.c). */
#ifndef LOTSEN_ACDHOST_ACD_HOST_INT_H
#define LOTSEN_ACDHOST_ACD_HOST_INT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "acd/acd.h"
#include "acd/acd_stats.h"

struct db;

/* Append one event (ids as seen outside). */
int acd_store_event(struct db *db, const struct acd_event *ev);
/* Rows of `st` starting at or after from_ms replace the stored ones. */
int acd_store_rollups(struct db *db, const struct acd_stats *st, int64_t from_ms);
/* Fold every stored event at or after from_ms into `st`, in log order. */
int acd_store_fold(struct db *db, int64_t from_ms, struct acd_stats *st);
/* Small integers kept between runs ("rollups_stored_ms"). */
int acd_store_state_set(struct db *db, const char *key, int64_t value);
int64_t acd_store_state_get(struct db *db, const char *key);
/* The highest call id in the log (0 when none). */
int64_t acd_store_max_call(struct db *db);
/* The time of the newest event (0 when none), and when a call first appears. */
int64_t acd_store_last_t(struct db *db);
int64_t acd_store_call_arrival(struct db *db, int64_t call);
/* Agents the log shows logged in (a run that stopped without logging them out) and the
 * state they were last put in: ready, or paused (after a login, or for `reason`). */
struct acd_agent_last {
	uint32_t agent;
	enum acd_agent_state state; /* ACD_AGENT_READY or ACD_AGENT_PAUSED */
	int reason;                 /* enum acd_pause_reason of a pause, 0 after a login */
};
int acd_store_logged_in(struct db *db, struct acd_agent_last **agents, size_t *n);
json_t *acd_totals_json(const struct acd_totals *t);
/* A time in ms as the API shows times: ISO 8601 UTC, a new reference. */
json_t *acd_ms_time(int64_t ms);

/* One group as the queue host loads it: the engine's settings without hours and closures,
 * the opening hours' JSON text (NULL: always open; valid during the call) and whether the
 * group is active. */
struct acd_store_group {
	struct acd_group_cfg cfg;
	char name[121];
	const char *hours;
	bool active;
};
typedef int(acd_store_group_h)(const struct acd_store_group *g, void *arg);
/* Every group by id; a non-zero return of h stops and is returned. */
int acd_store_groups_each(struct db *db, acd_store_group_h *h, void *arg);
/* The group's closures that have not ended at now_ms, by start: *out malloc'ed. */
int acd_store_closures(struct db *db, uint32_t group, int64_t now_ms, struct acd_closure **out,
                       int *n);
/* One user's membership of a group, rows ordered by user: group 0 when the user has none;
 * takes_calls for active agents and group leads. */
struct acd_store_member {
	uint32_t user;
	uint32_t group;
	int level;
	bool takes_calls;
};
typedef int(acd_store_member_h)(const struct acd_store_member *m, void *arg);
int acd_store_members_each(struct db *db, acd_store_member_h *h, void *arg);

#endif
