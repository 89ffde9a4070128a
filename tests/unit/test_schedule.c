/* Schedules: agents on the phones per interval from shifts minus breaks, meetings and
 * absence; overlapping shifts; the damped intraday re-forecast; ISO weeks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>

#include "base/calendar.h"
#include "wfm/schedule.h"

#define H 3600
#define M 60

/* 2026-12-14 00:00 as if it were UTC: the maths does not care about zones. */
static int64_t day0(void)
{
	struct date d = {2026, 12, 14};

	return calendar_date_to_days(&d) * 86400;
}

static void assert_near(double got, double want)
{
	if (fabs(got - want) > 1e-9)
		fail_msg("got %.6f, want %.6f", got, want);
}

static void test_shifts_count_per_interval(void **state)
{
	int64_t t = day0();
	/* Anna 08:00–12:00, Erik 10:15–16:00: 30-minute intervals from 08:00. */
	struct sched_span shifts[] = {{1, t + 8 * H, t + 12 * H},
	                              {2, t + 10 * H + 15 * M, t + 16 * H}};
	double out[16];

	(void)state;
	assert_int_equal(schedule_coverage(shifts, 2, NULL, 0, t + 8 * H, 16, 30 * M, out), 0);
	assert_near(out[0], 1);   /* 08:00 Anna */
	assert_near(out[3], 1);   /* 09:30 Anna */
	assert_near(out[4], 1.5); /* 10:00 Anna and half of Erik */
	assert_near(out[5], 2);   /* 10:30 both */
	assert_near(out[8], 1);   /* 12:00 Erik */
	assert_near(out[15], 1);  /* 15:30 Erik */
}

static void test_breaks_meetings_absence_come_off(void **state)
{
	int64_t t = day0();
	struct sched_span shifts[] = {{1, t + 8 * H, t + 12 * H}, {2, t + 8 * H, t + 12 * H}};
	struct sched_span off[] = {
	        {1, t + 9 * H, t + 9 * H + 15 * M},          /* Anna's break 09:00–09:15 */
	        {1, t + 9 * H + 10 * M, t + 9 * H + 20 * M}, /* overlapping: counted once */
	        {0, t + 10 * H, t + 11 * H},                 /* the group's meeting 10–11 */
	        {2, t + 11 * H, t + 13 * H},                 /* Erik sick from 11 */
	        {3, t + 8 * H, t + 12 * H},                  /* someone without a shift */
	};
	double out[8];

	(void)state;
	assert_int_equal(schedule_coverage(shifts, 2, off, 5, t + 8 * H, 8, 30 * M, out), 0);
	assert_near(out[0], 2);
	assert_near(out[2], 2 - 20.0 / 30); /* 09:00: Anna off 20 minutes */
	assert_near(out[3], 2);
	assert_near(out[4], 0); /* meeting */
	assert_near(out[5], 0);
	assert_near(out[6], 1); /* 11:00: Erik sick */
	assert_near(out[7], 1);
}

static void test_overlapping_shifts_found(void **state)
{
	int64_t t = day0();
	struct sched_span ok[] = {{1, t + 8 * H, t + 12 * H},
	                          {1, t + 12 * H, t + 16 * H},
	                          {2, t + 9 * H, t + 17 * H}};
	struct sched_span bad[] = {{1, t + 8 * H, t + 12 * H},
	                           {2, t + 9 * H, t + 17 * H},
	                           {1, t + 11 * H, t + 13 * H}};
	int a = -1, b = -1;

	(void)state;
	assert_false(schedule_overlap(ok, 3, &a, &b));
	assert_true(schedule_overlap(bad, 3, &a, &b));
	assert_int_equal(a, 0);
	assert_int_equal(b, 2);
}

static void test_coverage_bad_input(void **state)
{
	int64_t t = day0();
	struct sched_span backwards[] = {{1, t + 12 * H, t + 8 * H}};
	double out[4];

	(void)state;
	assert_int_equal(schedule_coverage(backwards, 1, NULL, 0, t, 4, 900, out), EINVAL);
	assert_int_equal(schedule_coverage(NULL, 1, NULL, 0, t, 4, 900, out), EINVAL);
	assert_int_equal(schedule_coverage(NULL, 0, NULL, 0, t, 0, 900, out), EINVAL);
	assert_int_equal(schedule_coverage(NULL, 0, NULL, 0, t, 4, 900, out), 0);
	assert_near(out[3], 0);
}

static void test_reforecast_is_damped(void **state)
{
	double f;

	(void)state;
	/* Nothing seen yet: the plan stands. */
	assert_near(schedule_reforecast_factor(0, 0, 100), 1);
	/* 50-call day, 6 came where 3 were expected: k = 22.5, (6 + 22.5) / (3 + 22.5). */
	f = schedule_reforecast_factor(6, 3, 50);
	assert_near(f, 28.5 / 25.5);
	assert_true(f < 1.2); /* doubling over three calls is noise, not a new day */
	/* 1000-call day, 600 came where 400 were expected by midday: most of the ratio. */
	f = schedule_reforecast_factor(600, 400, 1000);
	assert_near(f, 860.0 / 660);
	assert_true(f > 1.25 && f < 1.5);
	/* Quiet: held at 0.5; a storm: held at 2. */
	assert_near(schedule_reforecast_factor(0, 5000, 10000), SCHEDULE_FACTOR_MIN);
	assert_near(schedule_reforecast_factor(50000, 5000, 10000), SCHEDULE_FACTOR_MAX);
	assert_near(schedule_reforecast_factor(5, 0, 0), 1);
	assert_near(schedule_reforecast_factor(NAN, 0, 10), 1);
}

static void test_iso_weeks(void **state)
{
	int64_t m;
	struct date d;

	(void)state;
	assert_int_equal(schedule_week_parse("2026-W50", &m), 0);
	calendar_date_from_days(m, &d);
	assert_int_equal(d.y, 2026);
	assert_int_equal(d.m, 12);
	assert_int_equal(d.d, 7);
	/* Week 1 of 2026 starts in 2025. */
	assert_int_equal(schedule_week_parse("2026-W01", &m), 0);
	calendar_date_from_days(m, &d);
	assert_int_equal(d.y, 2025);
	assert_int_equal(d.m, 12);
	assert_int_equal(d.d, 29);
	/* 2026 has 53 weeks (1 January is a Thursday), 2027 has not. */
	assert_int_equal(schedule_week_parse("2026-W53", &m), 0);
	assert_int_equal(schedule_week_parse("2027-W53", &m), EINVAL);
	assert_int_equal(schedule_week_parse("2026-W00", &m), EINVAL);
	assert_int_equal(schedule_week_parse("2026-W5", &m), EINVAL);
	assert_int_equal(schedule_week_parse("2026W50", &m), EINVAL);
	assert_int_equal(schedule_week_parse("2026-w50", &m), EINVAL);
	assert_int_equal(schedule_week_parse("", &m), EINVAL);
	assert_int_equal(schedule_week_parse(NULL, &m), EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_shifts_count_per_interval),
	        cmocka_unit_test(test_breaks_meetings_absence_come_off),
	        cmocka_unit_test(test_overlapping_shifts_found),
	        cmocka_unit_test(test_coverage_bad_input),
	        cmocka_unit_test(test_reforecast_is_damped),
	        cmocka_unit_test(test_iso_weeks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
