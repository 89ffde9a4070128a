/* Forecast and staffing: synthetic series with known weekly and intraday seasonality,
 * Swedish holidays closed or open as the history shows, the days after holidays, closed
 * dates and events, low-volume shrinkage, bad input; staffing against Erlang tables,
 * shrinkage and the occupancy cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/calendar.h"
#include "wfm/forecast.h"
#include "wfm/staffing.h"

#define SLOTS      48 /* 30-minute intervals */
#define FIRST_SLOT 16 /* 08:00 */
#define OPEN_SLOTS 16 /* to 16:00 */

static const double weekday_factor[7] = {1.25, 1.05, 1.0, 0.95, 0.75, 0, 0};
static const double shape[OPEN_SLOTS] = {0.6, 1.3, 1.6, 1.5, 1.3, 1.1, 0.8, 0.7,
                                         1.0, 1.2, 1.1, 1.0, 0.9, 0.8, 0.6, 0.4};

static void assert_near(double got, double want, double tol, const char *what)
{
	if (!(fabs(got - want) <= tol))
		fail_msg("%s: got %.6g, want %.6g ± %g", what, got, want, tol);
}

static int64_t day_of(const char *s)
{
	struct date d;

	assert_int_equal(calendar_date_parse(s, &d), 0);
	return calendar_date_to_days(&d);
}

static int weekday(int64_t day)
{
	struct date d;

	calendar_date_from_days(day, &d);
	return calendar_weekday(&d);
}

static bool holiday(int64_t day)
{
	struct date d;

	calendar_date_from_days(day, &d);
	return calendar_holiday_name(&d) != NULL;
}

/* A small deterministic generator (64-bit LCG) and Poisson counts by Knuth's method. */
static uint64_t rng_state;

static double uniform(void)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(rng_state >> 11) / 9007199254740992.0;
}

static double poisson(double lambda)
{
	double l = exp(-lambda), p = 1;
	int k = 0;

	do {
		k++;
		p *= uniform();
	} while (p > l);
	return k - 1;
}

/* The expected calls of a day; `after` = the day after a holiday, `holiday_share` the
 * volume on a holiday (0 = closed). */
static double truth(int64_t day, int slot, double per_day, double after, double holiday_share)
{
	int w = weekday(day), s = slot - FIRST_SLOT;
	double total = 0, level;
	int64_t prev = day - 1;

	if (s < 0 || s >= OPEN_SLOTS || weekday_factor[w] == 0)
		return 0;
	for (int i = 0; i < OPEN_SLOTS; i++)
		total += shape[i];
	while (weekday_factor[weekday(prev)] == 0)
		prev--;
	level = per_day * weekday_factor[w];
	if (holiday(day))
		level *= holiday_share;
	else if (holiday(prev))
		level *= after;
	return level * shape[s] / total;
}

/* A history of `weeks` weeks from Monday 2024-01-01: weekdays open, holidays closed
 * unless holiday_share > 0; noise = Poisson counts, else the expected values. */
struct series {
	struct forecast_history h;
	double *calls;
	bool *open;
};

static void series_make(struct series *sr, int weeks, double per_day, double after,
                        double holiday_share, bool noise)
{
	int days = weeks * 7;

	rng_state = 42;
	sr->calls = calloc((size_t)days * SLOTS, sizeof(double));
	sr->open = calloc((size_t)days, sizeof(bool));
	assert_non_null(sr->calls);
	assert_non_null(sr->open);
	sr->h = (struct forecast_history){.first_day = day_of("2024-01-01"),
	                                  .days = days,
	                                  .slots = SLOTS,
	                                  .calls = sr->calls,
	                                  .open = sr->open};
	for (int d = 0; d < days; d++) {
		int64_t day = sr->h.first_day + d;
		if (weekday_factor[weekday(day)] == 0 || (holiday(day) && holiday_share == 0))
			continue;
		sr->open[d] = true;
		for (int s = 0; s < SLOTS; s++) {
			double mu = truth(day, s, per_day, after, holiday_share);
			sr->calls[(size_t)d * SLOTS + s] = noise ? poisson(mu) : mu;
		}
	}
}

static void series_free(struct series *sr)
{
	free(sr->calls);
	free(sr->open);
}

static double day_total(const double *row)
{
	double t = 0;

	for (int s = 0; s < SLOTS; s++)
		t += row[s];
	return t;
}

/* Without noise the forecast gives back the weekly and intraday pattern. */
static void test_recovers_seasonality(void **state)
{
	struct series sr;
	struct forecast_params p;
	struct forecast_model m;
	struct forecast_request rq = {.first_day = day_of("2025-02-03"), .days = 14};
	double out[14 * SLOTS];
	bool open[14];

	(void)state;
	series_make(&sr, 56, 200, 1.0, 0, false); /* to 2025-01-26 */
	forecast_params_default(&p);
	assert_int_equal(forecast_run(&sr.h, &rq, &p, out, open, &m), 0);
	for (int w = 0; w < 7; w++)
		assert_int_equal(m.weekday_open[w], w < 5);
	for (int w = 0; w < 5; w++)
		assert_near(m.weekday_factor[w], weekday_factor[w] / 1.0, 0.01, "weekday factor");
	assert_near(m.level, 200, 2, "level");
	assert_near(m.trend, 0, 0.5, "trend");
	assert_int_equal(m.first_slot, FIRST_SLOT);
	assert_int_equal(m.last_slot, FIRST_SLOT + OPEN_SLOTS - 1);
	for (int d = 0; d < 14; d++) {
		int64_t day = rq.first_day + d;
		double want_total = 0;
		assert_int_equal(open[d], weekday(day) < 5);
		/* The profile leans a little towards its smoothed self even without noise,
		 * as much as its peaks stand out from Poisson noise of 16 weeks' counts. */
		for (int s = 0; s < SLOTS; s++) {
			double want = truth(day, s, 200, 1, 0);
			assert_near(out[d * SLOTS + s], want, 0.05 * want + 1e-9, "interval");
			want_total += want;
		}
		assert_near(day_total(out + d * SLOTS), want_total, 0.01 * want_total, "day");
	}
	series_free(&sr);
}

/* A growing volume is followed with a damped trend: the forecast lies above the last
 * weeks and below a straight-line extrapolation. */
static void test_follows_a_damped_trend(void **state)
{
	struct series sr;
	struct forecast_params p;
	struct forecast_model m;
	/* The history ends on Sunday 2025-01-26; Wednesday 2025-02-05 is 8 open days on. */
	struct forecast_request rq = {.first_day = day_of("2025-02-05"), .days = 1};
	double out[SLOTS], last_wed, straight;
	bool open;
	int last = 0;

	(void)state;
	series_make(&sr, 56, 200, 1.0, 0, false);
	for (int d = 0; d < sr.h.days; d++) /* + 0.2 % a day: 200 to about 356 */
		for (int s = 0; s < SLOTS; s++)
			sr.calls[(size_t)d * SLOTS + s] *= 1 + 0.002 * d;
	for (int d = 0; d < sr.h.days; d++)
		if (sr.open[d] && weekday(sr.h.first_day + d) == 2)
			last = d;
	last_wed = day_total(sr.calls + (size_t)last * SLOTS);
	straight = 200 * weekday_factor[2] * (1 + 0.002 * (double)(rq.first_day - sr.h.first_day));
	forecast_params_default(&p);
	assert_int_equal(forecast_run(&sr.h, &rq, &p, out, &open, &m), 0);
	assert_true(open);
	assert_true(m.trend > 0);
	if (!(day_total(out) > last_wed && day_total(out) < straight))
		fail_msg("forecast %.1f, last Wednesday %.1f, straight line %.1f", day_total(out),
		         last_wed, straight);
	series_free(&sr);
}

/* Holidays the history shows closed are forecast closed; the day after one is as much
 * busier as the history shows. */
static void test_holidays_closed_and_the_day_after(void **state)
{
	struct series sr;
	struct forecast_params p;
	struct forecast_model m;
	/* 2025: Thu 1 May and Thu 29 May (Kristi himmelsfärd) are holidays. */
	struct forecast_request rq = {.first_day = day_of("2025-04-28"), .days = 42};
	double out[42 * SLOTS];
	bool open[42];
	int64_t may1 = day_of("2025-05-01"), may2 = day_of("2025-05-02");
	int64_t may29 = day_of("2025-05-29"), jun6 = day_of("2025-06-06");

	(void)state;
	series_make(&sr, 68, 150, 1.3, 0, true); /* 2024-01-01 to 2025-04-20, with Easter */
	forecast_params_default(&p);
	assert_int_equal(forecast_run(&sr.h, &rq, &p, out, open, &m), 0);
	assert_false(m.holidays_open);
	assert_near(m.after_closed, 1.3, 0.12, "after a closed day");
	assert_near(m.before_closed, 1.0, 0.12, "before a closed day");
	for (int d = 0; d < 42; d++) {
		int64_t day = rq.first_day + d;
		bool want = weekday(day) < 5 && !holiday(day);
		assert_int_equal(open[d], want);
		if (!want)
			assert_near(day_total(out + d * SLOTS), 0, 0, "closed day");
	}
	assert_false(open[may1 - rq.first_day]);
	assert_false(open[may29 - rq.first_day]);
	assert_false(open[jun6 - rq.first_day]); /* nationaldagen, a Friday */
	/* Friday 2 May: a Friday (0.75) after a holiday (× 1.3). */
	assert_near(day_total(out + (may2 - rq.first_day) * SLOTS), 150 * 0.75 * 1.3,
	            150 * 0.75 * 1.3 * 0.12, "the day after 1 May");
	series_free(&sr);
}

/* A center that is open on holidays with little traffic gets a low holiday forecast. */
static void test_holidays_open_and_low(void **state)
{
	struct series sr;
	struct forecast_params p;
	struct forecast_model m;
	struct forecast_request rq = {.first_day = day_of("2025-05-01"), .days = 1};
	double out[SLOTS];
	bool open;

	(void)state;
	series_make(&sr, 68, 200, 1.0, 0.3, false);
	forecast_params_default(&p);
	assert_int_equal(forecast_run(&sr.h, &rq, &p, out, &open, &m), 0);
	assert_true(m.holidays_open);
	assert_true(open);
	assert_near(m.holiday_factor, 0.3, 0.1, "holiday factor");
	assert_near(day_total(out), 200 * 0.95 * 0.3, 200 * 0.95 * 0.1, "1 May, a Thursday");
	series_free(&sr);
}

/* Closed dates given by the user, and events adding volume to a date. */
static void test_closed_dates_and_events(void **state)
{
	struct series sr;
	struct forecast_params p;
	const int64_t closed[] = {day_of("2025-02-05")};
	const struct forecast_event events[] = {{day_of("2025-02-04"), 80},
	                                        {day_of("2025-02-05"), 50}};
	struct forecast_request rq = {.first_day = day_of("2025-02-03"),
	                              .days = 5,
	                              .closed = closed,
	                              .n_closed = 1,
	                              .events = events,
	                              .n_events = 2};
	struct forecast_request plain = {.first_day = rq.first_day, .days = 5};
	double out[5 * SLOTS], base[5 * SLOTS];
	bool open[5], base_open[5];

	(void)state;
	series_make(&sr, 56, 200, 1.0, 0, false);
	forecast_params_default(&p);
	assert_int_equal(forecast_run(&sr.h, &rq, &p, out, open, NULL), 0);
	assert_int_equal(forecast_run(&sr.h, &plain, &p, base, base_open, NULL), 0);
	assert_true(base_open[2]);
	assert_false(open[2]);
	assert_near(day_total(out + 2 * SLOTS), 0, 0, "closed date");
	assert_near(day_total(out + 1 * SLOTS) - day_total(base + 1 * SLOTS), 80, 1e-6,
	            "event on Tuesday");
	/* The profile carries the event: the busiest interval stays the busiest. */
	assert_true(out[1 * SLOTS + FIRST_SLOT + 2] > out[1 * SLOTS + FIRST_SLOT]);
	series_free(&sr);
}

/* At 50 calls a day the weekday profiles lean on the pooled, smoothed one and the
 * forecast is closer to the truth than the history's own average for the weekday. */
static void test_low_volume_shrinks_the_profile(void **state)
{
	struct series sr;
	struct forecast_params p;
	struct forecast_model m;
	struct forecast_request rq = {.first_day = day_of("2025-02-03"), .days = 5};
	double out[5 * SLOTS], err_fc = 0, err_raw = 0;
	bool open[5];

	(void)state;
	series_make(&sr, 56, 50, 1.0, 0, true);
	forecast_params_default(&p);
	assert_int_equal(forecast_run(&sr.h, &rq, &p, out, open, &m), 0);
	for (int w = 0; w < 5; w++)
		if (m.profile_weight[w] > 0.5)
			fail_msg("weekday %d keeps %.2f of its own noisy profile", w,
			         m.profile_weight[w]);
	for (int d = 0; d < 5; d++) {
		int64_t day = rq.first_day + d;
		double raw[SLOTS] = {0}, n = 0, want_total = 0, got_total = 0;
		/* The weekday's own share per interval over the history's last 16 weeks
		 * (the forecast starts a week after the history ends). */
		for (int k = 2; k <= 17; k++) {
			int64_t hd = day - 7 * k;
			int i = (int)(hd - sr.h.first_day);
			assert_true(i >= 0 && i < sr.h.days);
			if (!sr.open[i])
				continue;
			for (int s = 0; s < SLOTS; s++) {
				raw[s] += sr.calls[(size_t)i * SLOTS + s];
				n += sr.calls[(size_t)i * SLOTS + s];
			}
		}
		for (int s = 0; s < SLOTS; s++) {
			want_total += truth(day, s, 50, 1, 0);
			got_total += out[d * SLOTS + s];
		}
		for (int s = 0; s < SLOTS; s++) {
			double want = truth(day, s, 50, 1, 0) / want_total;
			err_fc += fabs(out[d * SLOTS + s] / got_total - want);
			err_raw += fabs(raw[s] / n - want);
		}
	}
	if (!(err_fc < 0.7 * err_raw))
		fail_msg("profile error %.4f, the weekday's own average's %.4f", err_fc, err_raw);
	series_free(&sr);
}

static void test_forecast_bad_input(void **state)
{
	struct series sr;
	struct forecast_params p, bad;
	struct forecast_request rq = {.first_day = day_of("2025-02-03"), .days = 1};
	struct forecast_history h;
	double out[SLOTS];
	bool open;

	(void)state;
	series_make(&sr, 8, 100, 1.0, 0, false);
	forecast_params_default(&p);
	assert_int_equal(forecast_run(NULL, &rq, &p, out, &open, NULL), EINVAL);
	assert_int_equal(forecast_run(&sr.h, &rq, &p, NULL, &open, NULL), EINVAL);
	h = sr.h;
	h.slots = 7; /* does not divide a day */
	assert_int_equal(forecast_run(&h, &rq, &p, out, &open, NULL), EINVAL);
	bad = p;
	bad.alpha = 0;
	assert_int_equal(forecast_run(&sr.h, &rq, &bad, out, &open, NULL), EINVAL);
	sr.calls[SLOTS * 2 + FIRST_SLOT] = -1;
	assert_int_equal(forecast_run(&sr.h, &rq, &p, out, &open, NULL), EINVAL);
	sr.calls[SLOTS * 2 + FIRST_SLOT] = NAN;
	assert_int_equal(forecast_run(&sr.h, &rq, &p, out, &open, NULL), EINVAL);
	sr.calls[SLOTS * 2 + FIRST_SLOT] = 1;
	memset(sr.open, 0, sizeof(bool) * (size_t)sr.h.days);
	assert_int_equal(forecast_run(&sr.h, &rq, &p, out, &open, NULL), EINVAL);
	series_free(&sr);
	{
		const double f[] = {1, 3}, a[] = {2, 2}, z[] = {0, 0};
		assert_near(forecast_wape(f, a, 2), 0.5, 1e-12, "WAPE");
		assert_true(isnan(forecast_wape(f, z, 2)));
	}
}

/* 100 calls of 180 s in 30 minutes = 10 erlangs; 80 % within 20 s needs 14 agents by
 * Erlang C (the textbook value: 13 give 79.6 %, 14 give 88.8 % as in test_erlang.c). */
static void test_staffing_erlang_table(void **state)
{
	const double calls[] = {100, 0, 0.001, 200};
	struct staffing_params p = {.interval_s = 1800,
	                            .aht_s = 180,
	                            .patience_s = 1e9,
	                            .target_sl = 0.8,
	                            .target_time_s = 20};
	struct staffing_interval out[4];

	(void)state;
	assert_int_equal(staffing_plan(calls, 4, &p, out), 0);
	assert_int_equal(out[0].agents_erlang_c, 14);
	/* With patience of a billion seconds Erlang A is Erlang C. */
	assert_int_equal(out[0].agents, 14);
	assert_int_equal(out[0].on_phones, 14);
	assert_near(out[0].service_level, 0.8884, 0.0005, "service level at 14");
	assert_true(out[0].service_level >= 0.8);
	/* An empty interval needs nobody. */
	assert_int_equal(out[1].agents, 0);
	assert_int_equal(out[1].agents_erlang_c, 0);
	assert_near(out[1].service_level, 1, 0, "empty interval");
	assert_int_equal(out[2].agents, 0);
	/* 20 erlangs need fewer than twice 13: pooling. */
	assert_true(out[3].agents_erlang_c > 20 && out[3].agents_erlang_c < 26);

	/* Callers who hang up after a minute leave fewer to answer: Erlang A needs no more. */
	p.patience_s = 60;
	assert_int_equal(staffing_plan(calls, 1, &p, out), 0);
	assert_true(out[0].agents <= out[0].agents_erlang_c);
	assert_true(out[0].abandon_rate > 0);
}

static void test_staffing_shrinkage_and_occupancy(void **state)
{
	const double calls[] = {100};
	struct staffing_params p = {.interval_s = 1800,
	                            .aht_s = 180,
	                            .patience_s = 1e9,
	                            .target_sl = 0.8,
	                            .target_time_s = 20,
	                            .shrinkage = 0.3};
	struct staffing_interval out;

	(void)state;
	/* 14 on the phones ÷ 0.7 = 20 scheduled (not 21 by rounding error). */
	assert_int_equal(staffing_plan(calls, 1, &p, &out), 0);
	assert_int_equal(out.on_phones, 14);
	assert_int_equal(out.agents, 20);
	assert_int_equal(out.agents_erlang_c, 20);
	/* 13 ÷ 0.7 = 18.6 is rounded up: 85 % within 60 s needs 13 (test_erlang.c). */
	p.target_sl = 0.85;
	p.target_time_s = 60;
	assert_int_equal(staffing_plan(calls, 1, &p, &out), 0);
	assert_int_equal(out.on_phones, 13);
	assert_int_equal(out.agents, 19);
	p.target_sl = 0.8;
	p.target_time_s = 20;
	/* At most 70 % occupancy: 10 / 14 = 0.714 is too much, 10 / 15 is not. */
	p.shrinkage = 0;
	p.max_occupancy = 0.7;
	assert_int_equal(staffing_plan(calls, 1, &p, &out), 0);
	assert_int_equal(out.on_phones, 15);
	assert_int_equal(out.agents_erlang_c, 15);
	assert_true(out.occupancy <= 0.7);
}

static void test_staffing_bad_input(void **state)
{
	const double calls[] = {100}, negative[] = {-1};
	const struct staffing_params ok = {.interval_s = 1800,
	                                   .aht_s = 180,
	                                   .patience_s = 60,
	                                   .target_sl = 0.8,
	                                   .target_time_s = 20};
	struct staffing_params p;
	struct staffing_interval out;

	(void)state;
	assert_int_equal(staffing_plan(negative, 1, &ok, &out), EINVAL);
	assert_int_equal(staffing_plan(NULL, 1, &ok, &out), EINVAL);
	p = ok;
	p.shrinkage = 1;
	assert_int_equal(staffing_plan(calls, 1, &p, &out), EINVAL);
	p = ok;
	p.target_sl = 0;
	assert_int_equal(staffing_plan(calls, 1, &p, &out), EINVAL);
	p = ok;
	p.patience_s = 0;
	assert_int_equal(staffing_plan(calls, 1, &p, &out), EINVAL);
	assert_int_equal(staffing_plan(calls, 0, &ok, &out), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_recovers_seasonality),
	        cmocka_unit_test(test_follows_a_damped_trend),
	        cmocka_unit_test(test_holidays_closed_and_the_day_after),
	        cmocka_unit_test(test_holidays_open_and_low),
	        cmocka_unit_test(test_closed_dates_and_events),
	        cmocka_unit_test(test_low_volume_shrinks_the_profile),
	        cmocka_unit_test(test_forecast_bad_input),
	        cmocka_unit_test(test_staffing_erlang_table),
	        cmocka_unit_test(test_staffing_shrinkage_and_occupancy),
	        cmocka_unit_test(test_staffing_bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
