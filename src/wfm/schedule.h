/* Schedules against the plan: how many agents the shifts put on the phones per
 * interval once breaks, meetings and absence are taken off, the gaps against the agents
 * needed, overlapping shifts, and the intraday re-forecast of the rest of a day.
 *
 * Pure: no I/O, no clock; times are seconds since the epoch given by the caller. See
 * docs/wfm.md. */
#ifndef LOTSEN_WFM_SCHEDULE_H
#define LOTSEN_WFM_SCHEDULE_H

#include <stdbool.h>
#include <stdint.h>

/* A span of time one agent works (a shift) or is off the phones within it (a break, a
 * meeting, absence). For time off, user 0 means every agent of the group (a group
 * meeting). */
struct sched_span {
	int64_t user; /* users.id; 0 only for time off of the whole group */
	int64_t from; /* seconds since the epoch, inclusive */
	int64_t to;   /* exclusive, > from */
};

/* Agents on the phones per interval: for each of `slots` intervals of slot_s seconds
 * from `start`, the sum over the shifts of the share of the interval the shift covers
 * and none of its agent's time off does (overlapping time off counted once). A 15-minute
 * break in a 30-minute interval leaves 0.5 of that agent. out[slots].
 * EINVAL: NULL with n > 0, slots < 1, slot_s < 1, or a span with to <= from. */
int schedule_coverage(const struct sched_span *shifts, int n_shifts, const struct sched_span *off,
                      int n_off, int64_t start, int slots, int64_t slot_s, double *out);

/* The first pair of shifts of one agent that overlap: true with *a < *b their indexes. */
bool schedule_overlap(const struct sched_span *shifts, int n, int *a, int *b);

/* The intraday re-forecast's factor for the rest of a day, after `actual` contacts came
 * where `forecast` were expected so far, on a day forecast at `day_forecast` in all:
 * (actual + k) ÷ (forecast + k) with k = SCHEDULE_DAMPING × day_forecast + SCHEDULE_DAMPING_MIN,
 * kept within [SCHEDULE_FACTOR_MIN, SCHEDULE_FACTOR_MAX]. The morning's ratio counts
 * for forecast ÷ (forecast + k) of the change: little after the first calls, more as
 * the day fills, so a few calls of Poisson noise at low volume do not swing the rest of
 * the day. 1 when nothing was forecast for the day. */
#define SCHEDULE_DAMPING     0.25
#define SCHEDULE_DAMPING_MIN 10.0
#define SCHEDULE_FACTOR_MIN  0.5
#define SCHEDULE_FACTOR_MAX  2.0
double schedule_reforecast_factor(double actual, double forecast, double day_forecast);

/* ISO week "2026-W50" → the Monday's days since 1970-01-01; EINVAL for anything else
 * (weeks 1–52, or 53 in years that have it). */
int schedule_week_parse(const char *s, int64_t *monday);

#endif
