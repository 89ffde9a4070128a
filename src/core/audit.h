/* The audit log: who read or changed which personal data, and when. Append-only. */
#ifndef LOTSEN_CORE_AUDIT_H
#define LOTSEN_CORE_AUDIT_H

#include <stdint.h>

#include <jansson.h>

struct db;

/* action: read, list, create, update, search, export …; entity: case, citizen, user …
 * entity_id 0 when the action covers several rows (detail says which). */
int audit_record(struct db *db, int64_t at, int64_t user_id, const char *action, const char *entity,
                 int64_t entity_id, const char *detail);

/* Which rows audit_list gives: zero/NULL filters are not applied. */
struct audit_query {
	int64_t user_id;    /* only this user's actions */
	const char *entity; /* only rows about this kind of record (borrowed) */
	int64_t entity_id;  /* only rows about this record */
	int64_t limit, offset;
};
/* The log newest first, one page of it as [{"id","at","user_id","username","action",
 * "entity","entity_id","detail"}], and how many rows match. Only reads (it may run on a
 * read-only connection off the loop). */
int audit_list(struct db *db, const struct audit_query *q, json_t **items, int64_t *total);

#endif
