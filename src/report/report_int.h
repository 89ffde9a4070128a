/* What the report exporters (CSV, XLSX, PDF) share: reading the report's JSON. */
#ifndef LOTSEN_REPORT_REPORT_INT_H
#define LOTSEN_REPORT_REPORT_INT_H

#include <stddef.h>

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

/* A category kind or a channel in Swedish ("complaint" → "Klagomål", "phone" → "Telefon");
 * anything else as it is (borrowed, or `s`; "" for NULL). */
const char *report_name_sv(const char *s);

/* A period's label in Swedish: "2026-03" → "mars 2026", "2026-T1" → "tertial 1 2026",
 * "2026" → "2026", dates → "1 mars 2026 – 15 maj 2026"; anything else as it is. */
void report_period_sv(const char *label, char *buf, size_t n);

#endif
