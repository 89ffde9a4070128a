/* Coverage of schedules per interval, overlapping shifts, the intraday re-forecast. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "base/calendar.h"
#include "wfm/schedule.h"

static bool spans_ok(const struct sched_span *v, int n)
{
	if (n < 0 || (n > 0 && !v))
		return false;
	for (int i = 0; i < n; i++)
		if (v[i].to <= v[i].from)
			return false;
	return true;
}

static bool applies(const struct sched_span *off, int64_t user)
{
	return off->user == 0 || off->user == user;
}

/* Seconds of [a, b) the agent `user` is not off, the off spans' union counted once:
 * walks from a to b jumping over whatever off span covers the cursor. */
static int64_t on_seconds(const struct sched_span *off, int n_off, int64_t user, int64_t a,
                          int64_t b)
{
	int64_t cur = a, on = 0;

	while (cur < b) {
		int64_t cover_to = cur, next = b;
		for (int i = 0; i < n_off; i++) {
			if (!applies(&off[i], user))
				continue;
			if (off[i].from <= cur && off[i].to > cover_to)
				cover_to = off[i].to;
			else if (off[i].from > cur && off[i].from < next)
				next = off[i].from;
		}
		if (cover_to > cur) {
			cur = cover_to;
			continue;
		}
		on += next - cur;
		cur = next;
	}
	return on;
}

int schedule_coverage(const struct sched_span *shifts, int n_shifts, const struct sched_span *off,
                      int n_off, int64_t start, int slots, int64_t slot_s, double *out)
{
	if (!out || slots < 1 || slot_s < 1 || !spans_ok(shifts, n_shifts) || !spans_ok(off, n_off))
		return EINVAL;
	for (int k = 0; k < slots; k++) {
		int64_t a = start + (int64_t)k * slot_s, b = a + slot_s;
		double sum = 0;
		for (int i = 0; i < n_shifts; i++) {
			int64_t x = shifts[i].from > a ? shifts[i].from : a;
			int64_t y = shifts[i].to < b ? shifts[i].to : b;
			if (y > x)
				sum += (double)on_seconds(off, n_off, shifts[i].user, x, y) /
				       (double)slot_s;
		}
		out[k] = sum;
	}
	return 0;
}

bool schedule_overlap(const struct sched_span *shifts, int n, int *a, int *b)
{
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (shifts[i].user == shifts[j].user && shifts[i].from < shifts[j].to &&
			    shifts[j].from < shifts[i].to) {
				*a = i;
				*b = j;
				return true;
			}
	return false;
}

double schedule_reforecast_factor(double actual, double forecast, double day_forecast)
{
	double k, f;

	if (!(day_forecast > 0) || !isfinite(day_forecast) || !(actual >= 0) || !(forecast >= 0) ||
	    !isfinite(actual) || !isfinite(forecast))
		return 1.0;
	k = SCHEDULE_DAMPING * day_forecast + SCHEDULE_DAMPING_MIN;
	f = (actual + k) / (forecast + k);
	if (f < SCHEDULE_FACTOR_MIN)
		f = SCHEDULE_FACTOR_MIN;
	if (f > SCHEDULE_FACTOR_MAX)
		f = SCHEDULE_FACTOR_MAX;
	return f;
}

/* The Monday of ISO week 1 of `year`: the week holding 4 January. */
static int64_t week1_monday(int year)
{
	struct date jan4 = {year, 1, 4};

	return calendar_date_to_days(&jan4) - calendar_weekday(&jan4);
}

int schedule_week_parse(const char *s, int64_t *monday)
{
	int year = 0, week = 0;
	int64_t m;
	struct date thu;

	if (!s || strlen(s) != 8 || s[4] != '-' || s[5] != 'W')
		return EINVAL;
	for (int i = 0; i < 8; i++)
		if (i != 4 && i != 5 && !isdigit((unsigned char)s[i]))
			return EINVAL;
	year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	week = (s[6] - '0') * 10 + (s[7] - '0');
	if (year < 1801 || year > 2198 || week < 1 || week > 53)
		return EINVAL;
	m = week1_monday(year) + (int64_t)(week - 1) * 7;
	/* Week 53 exists when its Thursday is still in the year. */
	calendar_date_from_days(m + 3, &thu);
	if (thu.y != year)
		return EINVAL;
	*monday = m;
	return 0;
}
