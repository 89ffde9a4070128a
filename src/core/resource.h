/* Administrative records (units, groups, clients, …) described as data, so every one of
 * them is validated, stored, listed and authorized the same way. */
#ifndef LOTSEN_CORE_RESOURCE_H
#define LOTSEN_CORE_RESOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/valid.h"

struct db;

enum field_type {
	FT_TEXT, /* string, max length in `max` (default 200) */
	FT_INT,  /* integer within [min, max] */
	FT_BOOL, /* true/false, stored 0/1 */
	FT_REF,  /* id of a row in `ref` */
	FT_ENUM, /* one of `values` */
	FT_REAL, /* number ≥ 0 (prices) */
	FT_DATE, /* "YYYY-MM-DD" */
	FT_TIME, /* ISO 8601 timestamp, stored as epoch seconds */
	FT_JSON, /* structured value checked by `check`, stored as JSON text */
	FT_LIST, /* virtual: kept in a link table by the resource's hooks */
};

enum {
	FF_REQUIRED = 1 << 0,  /* must be given on create */
	FF_READONLY = 1 << 1,  /* output only */
	FF_WRITEONLY = 1 << 2, /* input only (password) */
	FF_VIRTUAL = 1 << 3,   /* not a column: handled by the hooks */
	FF_NOTNULL = 1 << 4,   /* may be left out (the column's default), never null */
};

/* Checks (and may normalize) one value. Returns 0 or EBADMSG with a message. */
typedef int(field_check_h)(const json_t *v, json_t **normalized, char *msg, size_t n, bool en);

struct field {
	const char *name;          /* JSON key, and the column name unless FF_VIRTUAL */
	enum field_type type;      /* how the value is checked and stored */
	unsigned flags;            /* FF_* */
	const char *ref;           /* FT_REF: the referenced table */
	const char *const *values; /* FT_ENUM: accepted values, NULL-terminated */
	int64_t min, max;          /* FT_INT range; FT_TEXT max length */
	field_check_h *check;      /* extra check/normalization, or NULL */
};

struct resource {
	const char *name;              /* path segment: /api/v1/<name> */
	const char *table;             /* SQL table */
	const char *what_sv, *what_en; /* the record's name in messages */
	const struct field *fields;    /* described fields */
	size_t nfields;
	unsigned read_roles;  /* roles that may list and read */
	unsigned write_roles; /* roles that may create and update */
	bool personal;        /* reads are written to the audit log */
	const char *order_by; /* list order (a column name) */
	/* Cross-field rules; `id` is 0 on create. `in` is the raw input. */
	void (*validate)(struct db *db, const json_t *in, int64_t id, struct verrors *v);
	/* Store the virtual fields present in `in` for row `id` (inside the transaction). */
	int (*write_virtual)(struct db *db, int64_t id, const json_t *in);
	/* Add the virtual fields to an output object. */
	int (*read_virtual)(struct db *db, int64_t id, json_t *out);
	/* The columns ?q= searches (NULL-terminated); NULL: the list takes no q. */
	const char *const *search;
};

/* All administrative resources, NULL-terminated. */
extern const struct resource *const resources[];
const struct resource *resource_find(const char *name);

/* Validate `in` against `res` (create when id == 0). On success *clean holds the column
 * values converted for storage (times as integers, JSON as text, booleans as 0/1). */
int resource_validate(struct db *db, const struct resource *res, const json_t *in, int64_t id,
                      json_t **clean, struct verrors *v);

/* Create or update inside one transaction: nothing is left behind on failure. */
int resource_create(struct db *db, const struct resource *res, const json_t *in, int64_t *id,
                    struct verrors *v);
int resource_update(struct db *db, const struct resource *res, int64_t id, const json_t *in,
                    struct verrors *v);
int resource_get(struct db *db, const struct resource *res, int64_t id, json_t **out);
/* The entity tag of a record as resource_get gives it: "r" and 32 hex digits of a BLAKE2b
 * hash of its JSON with sorted keys, quotes included ("\"r1f…\""). Any change to what a
 * reader sees changes it; records need no version column. EINVAL/ENOMEM on failure. */
#define RESOURCE_ETAG_SIZE 40
int resource_etag(const json_t *row, char out[RESOURCE_ETAG_SIZE]);
/* `filters` maps column names to values that must match (FT_REF/FT_INT/FT_ENUM/FT_BOOL only);
 * `q`, when not NULL, keeps the rows whose res->search columns contain it (a phone number
 * also in its E.164 form). */
int resource_list(struct db *db, const struct resource *res, const json_t *filters, const char *q,
                  int64_t limit, int64_t offset, json_t **out, int64_t *total);

bool record_exists(struct db *db, const char *table, int64_t id);

/* --- records as other modules read them --- */

/* One response group; the texts are borrowed for the callback only. */
struct group_row {
	int64_t id;
	const char *name;
	const char *email;         /* NULL: none */
	const char *opening_hours; /* JSON text (core/hours.h); NULL: none stored */
};
/* Called per group; a non-zero return stops the walk and is returned. */
typedef int(group_row_h)(const struct group_row *g, void *arg);
/* The response groups by id, only the active ones when `active_only`. */
int resource_groups_each(struct db *db, bool active_only, group_row_h *h, void *arg);
/* The active groups' wallboard targets, by id: [{"group_id","name","targets":
 * {"target_sl_pct","target_sl_s","wait_warn_s","wait_alarm_s","abandon_warn_pct",
 * "abandon_alarm_pct"}}], each null when not set. Only reads. */
int resource_group_targets(struct db *db, json_t **out);
/* A group's entry numbers in order, appended to `out` as strings. */
int resource_group_numbers(struct db *db, int64_t group, json_t *out);
/* A department contact's phone number as stored ("" when it has none); ENOENT: no such
 * contact. */
int resource_contact_phone(struct db *db, int64_t contact, char *out, size_t n);

#endif
