/* Collects field-level validation errors in the user's language. */
#ifndef LOTSEN_BASE_VALID_H
#define LOTSEN_BASE_VALID_H

#include <stdbool.h>

#include <jansson.h>

struct verrors {
	json_t *list;    /* [{"field","message"}], NULL while empty (owned) */
	bool en;         /* English messages instead of Swedish */
	unsigned status; /* 422 by default; 404/409 when a referenced row is the problem */
};

void valid_init(struct verrors *v, bool en);
void valid_add(struct verrors *v, const char *field, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
void valid_free(struct verrors *v);
static inline bool valid_has_errors(const struct verrors *v)
{
	return v->list && json_array_size(v->list) > 0;
}
#define VL(v, sv, en_) ((v)->en ? (en_) : (sv))

#endif
