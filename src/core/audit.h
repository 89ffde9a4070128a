/* The audit log: who read or changed which personal data, and when. Append-only. */
#ifndef LOTSEN_CORE_AUDIT_H
#define LOTSEN_CORE_AUDIT_H

#include <stdint.h>

struct db;

/* action: read, list, create, update, search, export …; entity: case, citizen, user …
 * entity_id 0 when the action covers several rows (detail says which). */
int audit_record(struct db *db, int64_t at, int64_t user_id, const char *action, const char *entity,
                 int64_t entity_id, const char *detail);

#endif
