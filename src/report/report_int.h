/* What the report exporters (CSV, XLSX, PDF) share: reading the report's JSON. */
#ifndef LOTSEN_REPORT_REPORT_INT_H
#define LOTSEN_REPORT_REPORT_INT_H

#include <jansson.h>

/* The value at "a" or "a.b" in a row's JSON; NULL when missing (borrowed). */
const json_t *report_get_path(const json_t *o, const char *key);
/* The string at `key`, or "" (borrowed). */
const char *report_str(const json_t *o, const char *key);

#endif
