/* Opening hours of a response group, kept as JSON on the group:
 *
 *   {"weekly":   {"mon": [["08:00","16:30"]], …, "sun": []},
 *    "holidays": "closed" | "ignore",               (default "closed")
 *    "seasons":  [{"name":"Sommar","from":"06-15","to":"08-15",
 *                  "weekly":{…}}],
 *    "exceptions":[{"date":"2026-12-23","hours":[["08:00","12:00"]]}]}
 *
 * Which rule decides a day: a date exception, then a holiday (closed), then a
 * season covering the day, then the weekly hours. Times are Stockholm local
 * time; "24:00" may end a span. */
#ifndef LOTSEN_BASE_HOURS_H
#define LOTSEN_BASE_HOURS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/calendar.h"

#define HOURS_MAX_SPANS 8

struct hours;

struct day_hours {
	int n;                     /* number of spans; 0 = closed all day */
	int from[HOURS_MAX_SPANS]; /* minutes after local midnight */
	int to[HOURS_MAX_SPANS];
	const char *why; /* "weekly", "season", "holiday", "exception" */
};

/* Parse and check. On error returns EINVAL and writes e.g.
 * `weekly.mon[0][1]: "25:00" is not a time HH:MM` into err. */
int hours_parse(struct hours **out, const json_t *v, char *err, size_t n);
void hours_free(struct hours *h);
/* Always open (used when a group has no hours configured). */
struct hours *hours_always(void);

void hours_for_date(const struct hours *h, const struct date *d, struct day_hours *out);
bool hours_is_open(const struct hours *h, int64_t t);
/* The next instant after t where open/closed flips; 0 if none within 400 days. */
int64_t hours_next_change(const struct hours *h, int64_t t);

#endif
