/* What the report exporters (CSV, XLSX, PDF) share: reading the report's JSON. */
#ifndef LOTSEN_REPORT_REPORT_INT_H
#define LOTSEN_REPORT_REPORT_INT_H

#include <jansson.h>

#include "core/auth.h"

/* The case log's channels, in the order reports show them. */
#define REPORT_NCHANNELS 7
extern const char *const report_channels[REPORT_NCHANNELS];

/* Only managers, admins and a client viewer for its own client read reports: 0 or EPERM.
 * A client viewer's *client_id 0 becomes its own. */
int report_access_check(const struct principal *who, int64_t *client_id);

/* The value at "a" or "a.b" in a row's JSON; NULL when missing (borrowed). */
const json_t *report_get_path(const json_t *o, const char *key);
/* The string at `key`, or "" (borrowed). */
const char *report_str(const json_t *o, const char *key);

#endif
