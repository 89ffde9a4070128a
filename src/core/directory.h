/* The switchboard's directory (växel): department contacts and staff, with their phone
 * hours and presence (in, away until, in a meeting). */
#ifndef LOTSEN_CORE_DIRECTORY_H
#define LOTSEN_CORE_DIRECTORY_H

#include <jansson.h>
#include <stdint.h>

struct db;
struct principal;

/* Entries found by the search index for `q`: every word of it begins a word of the name,
 * unit, role or phone (case-insensitive, å/ä/ö included and kept apart from a/o), or, when
 * `q` is a number, the phone number begins with its digits (0… or 46…). Contacts first, by
 * name; at most `limit` from `offset`. Fills *items (an array) and *total. EINVAL when `q`
 * has no letter or digit. */
int directory_search(struct db *db, const char *q, int64_t limit, int64_t offset, json_t **items,
                     int64_t *total);

/* A staff member's presence: "in", "away" or "meeting"; `until` 0 for none (epoch s).
 * EINVAL for another status. */
int directory_set_presence(struct db *db, int64_t user_id, const char *status, int64_t until,
                           int64_t now);

/* May `who` set the presence of the staff member `user_id`? Everyone their own; a group
 * lead that of the members of their groups; managers and admins anyone's. ENOENT when
 * `user_id` is no active staff member, EPERM when not allowed. */
int directory_presence_allowed(struct db *db, const struct principal *who, int64_t user_id);

#endif
