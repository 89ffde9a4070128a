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
/* Agents whose last login/logout event is a login (a run that stopped without logging them out). */
int acd_store_logged_in(struct db *db, uint32_t **agents, size_t *n);
json_t *acd_totals_json(const struct acd_totals *t);
/* A time in ms as the API shows times: ISO 8601 UTC, a new reference. */
json_t *acd_ms_time(int64_t ms);

#endif
