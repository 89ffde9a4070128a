/* The switchboard's directory (växel): department contacts and staff, with their phone
 * hours and presence (in, away until, in a meeting). */
#ifndef LOTSEN_CORE_DIRECTORY_H
#define LOTSEN_CORE_DIRECTORY_H

#include <jansson.h>
#include <stdint.h>

struct db;

/* Entries whose name, unit, role or phone contains `q` (case-insensitive for a–z), contacts
 * first, by name; at most `limit` from `offset`. Fills *items (an array) and *total. */
int directory_search(struct db *db, const char *q, int64_t limit, int64_t offset, json_t **items,
                     int64_t *total);

/* A staff member's presence: "in", "away" or "meeting"; `until` 0 for none (epoch s).
 * EINVAL for another status. */
int directory_set_presence(struct db *db, int64_t user_id, const char *status, int64_t until,
                           int64_t now);

#endif
