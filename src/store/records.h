/* Generic row access for administrative tables: column names come from Lotsen's own
 * descriptors (never from users), every value is bound. */
#ifndef LOTSEN_STORE_RECORDS_H
#define LOTSEN_STORE_RECORDS_H

#include <stdint.h>

#include <jansson.h>

#include "store/db.h"

/* `cols` maps column → value (string, integer, real, true/false, null). */
int records_insert(struct db *db, const char *table, const json_t *cols, int64_t *id);
int records_update(struct db *db, const char *table, int64_t id, const json_t *cols);
/* One row by id as {column: value}; ENOENT if missing. */
int records_get(struct db *db, const char *table, const char *const *cols, size_t ncols, int64_t id,
                json_t **row);
/* A text search over some columns: a row matches when one of `cols` (NULL-terminated)
 * contains `needle` or, when not NULL, `alt` (ASCII letters in any case). */
struct records_text {
	const char *const *cols;
	const char *needle;
	const char *alt;
};
/* Rows whose columns equal `where` (column → value) and, when `text` is not NULL, that
 * match it; ordered, paged. */
int records_list(struct db *db, const char *table, const char *const *cols, size_t ncols,
                 const json_t *where, const struct records_text *text, const char *order_by,
                 int64_t limit, int64_t offset, json_t **rows, int64_t *total);
int records_exists(struct db *db, const char *table, int64_t id);

#endif
