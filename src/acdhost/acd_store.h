/* The queue's tables in the database: the append-only event log acd_events (the source
 * of truth for queue statistics), the 15-minute rollups, and reading them back for the
 * API. What only the host writes (events, rollups, state) is in acd_host_int.h. */
#ifndef LOTSEN_ACDHOST_ACD_STORE_H
#define LOTSEN_ACDHOST_ACD_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct db;

/* The acd_* tables (module "acd" migrations). */
int acd_store_migrate(struct db *db);

/* Rollups from the database for [from_ms, to_ms), one group or all (group 0):
 * {"intervals":[{group_id, start, offered, answered, …}], "totals":{…}}. */
int acd_store_intervals(struct db *db, uint32_t group, int64_t from_ms, int64_t to_ms,
                        json_t **out);
/* Events after `after_id`, oldest first, `limit` of them after skipping `offset`:
 * {"items":[…],"next_after":N}; *total counts every event after `after_id`. */
int acd_store_events(struct db *db, int64_t after_id, int64_t limit, int64_t offset, json_t **out,
                     int64_t *total);

/* An agent's time on the phones in [from_ms, to_ms), from the stored event log and rollups
 * (store the rollups first to count the current interval). */
struct acd_agent_sums {
	int64_t answered;     /* calls answered */
	int64_t logged_in_ms; /* logged in */
	int64_t ready_ms;     /* ready for calls */
	int64_t paused_ms;    /* paused */
	int64_t talk_ms;      /* talking */
	int64_t wrapup_ms;    /* in wrap-up */
	int64_t no_answers;   /* calls offered and not answered */
};
int acd_store_agent_sums(struct db *db, int64_t agent, int64_t from_ms, int64_t to_ms,
                         struct acd_agent_sums *out);

/* ---- agents' languages (agent_languages; module "acd_lang" migrations) ---- */

/* A language code as agents and calls carry it: 2 or 3 lowercase letters ("sv", "fi"). */
bool acd_store_lang_ok(const char *s);
/* Replace a user's languages (n = 0 clears them; duplicates are kept once). EINVAL: a bad
 * code or more than ACD_MAX_LANGS; ENOENT: no such user. */
int acd_store_agent_languages_set(struct db *db, int64_t user, const char *const *langs, int n);
/* A user's languages as a JSON array of codes, in the order given (new reference).
 * ENOENT: no such user. */
int acd_store_agent_languages(struct db *db, int64_t user, json_t **out);
/* Every stored (user, language), by user; a non-zero return of h stops and is returned. */
typedef int(acd_store_lang_h)(uint32_t user, const char *lang, void *arg);
int acd_store_languages_each(struct db *db, acd_store_lang_h *h, void *arg);

#endif
