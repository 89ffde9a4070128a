/* Field-level validation errors, gathered so a user sees every problem at once. */
#include "base/valid.h"

#include <stdarg.h>
#include <stdio.h>

void valid_init(struct verrors *v, bool en)
{
	v->list = NULL;
	v->en = en;
	v->status = 422;
}

void valid_add(struct verrors *v, const char *field, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!v->list)
		v->list = json_array();
	json_array_append_new(v->list, json_pack("{s:s,s:s}", "field", field, "message", msg));
}

void valid_free(struct verrors *v)
{
	json_decref(v->list);
	v->list = NULL;
}
