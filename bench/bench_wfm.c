/* Forecast and staffing at scale: 20 groups, 8 weeks ahead, 96 intervals of 15 minutes a
 * day, every interval staffed by Erlang A and Erlang C.
 *
 *   bench_wfm [GROUPS] [WEEKS]
 *
 * Each group gets 26 weeks of synthetic history (Poisson counts around a weekly and
 * intraday profile, Swedish holidays closed, 50 to about 3 000 calls a day, open every
 * day round the clock so that all 96 intervals carry calls: the worst case). Prints the
 * CPU time of forecasting and of staffing, and the total. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/calendar.h"
#include "wfm/forecast.h"
#include "wfm/schedule.h"
#include "wfm/staffing.h"

#define SLOTS        96
#define HISTORY_DAYS (26 * 7)

static uint64_t rng_state = 1;

static double uniform(void)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(rng_state >> 11) / 9007199254740992.0;
}

/* Knuth's method for small means, a rounded normal beyond 50. */
static double poisson(double lambda)
{
	double l, p = 1;
	int k = 0;

	if (lambda > 50) {
		double u1 = uniform(), u2 = uniform();
		double z = sqrt(-2 * log(u1 > 0 ? u1 : 1e-300)) * cos(2 * M_PI * u2);
		double x = floor(lambda + sqrt(lambda) * z + 0.5);
		return x > 0 ? x : 0;
	}
	l = exp(-lambda);
	do {
		k++;
		p *= uniform();
	} while (p > l);
	return k - 1;
}

static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

#define MAX_AGENTS 512

int main(int argc, char **argv)
{
	static struct sched_span sh[MAX_AGENTS], off[MAX_AGENTS + 1];
	double cov[SLOTS], cov_ms = 0;
	long short_intervals = 0;
	static const double weekday[7] = {1.3, 1.1, 1.0, 1.0, 0.85, 0.4, 0.35};
	int groups = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 20;
	int weeks = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 8;
	struct date start = {2024, 1, 1};
	struct forecast_params p;
	struct staffing_params sp = {.interval_s = 900,
	                             .aht_s = 240,
	                             .patience_s = 120,
	                             .target_sl = 0.8,
	                             .target_time_s = 60,
	                             .shrinkage = 0.3,
	                             .max_occupancy = 0.85};
	double shape[SLOTS], shape_sum = 0, fc_ms = 0, st_ms = 0, wall0, calls_total = 0;
	long intervals = 0, agents = 0, agents_c = 0;
	double *hist, *fc;
	bool *open, *fc_open;
	struct staffing_interval *plan;
	int days;

	if (groups < 1 || weeks < 1 || weeks > 520) {
		fprintf(stderr, "usage: bench_wfm [GROUPS] [WEEKS]\n");
		return 2;
	}
	days = weeks * 7;
	hist = calloc((size_t)HISTORY_DAYS * SLOTS, sizeof(*hist));
	open = calloc(HISTORY_DAYS, sizeof(*open));
	fc = calloc((size_t)days * SLOTS, sizeof(*fc));
	fc_open = calloc((size_t)days, sizeof(*fc_open));
	plan = calloc((size_t)days * SLOTS, sizeof(*plan));
	if (!hist || !open || !fc || !fc_open || !plan)
		return 1;
	/* Night low, a morning peak, an afternoon shoulder. */
	for (int s = 0; s < SLOTS; s++) {
		double h = s / 4.0;
		shape[s] =
		        0.08 + exp(-(h - 10) * (h - 10) / 6) + 0.6 * exp(-(h - 15) * (h - 15) / 8);
		shape_sum += shape[s];
	}
	forecast_params_default(&p);
	wall0 = wall_ms();
	for (int g = 0; g < groups; g++) {
		double per_day = 50 * pow(60, (double)g / (groups > 1 ? groups - 1 : 1));
		struct forecast_history h = {.first_day = calendar_date_to_days(&start),
		                             .days = HISTORY_DAYS,
		                             .slots = SLOTS,
		                             .calls = hist,
		                             .open = open};
		struct forecast_request rq = {.first_day = h.first_day + HISTORY_DAYS,
		                              .days = days};
		double t0;
		int n = 0, err;

		for (int d = 0; d < HISTORY_DAYS; d++) {
			struct date dt;
			calendar_date_from_days(h.first_day + d, &dt);
			open[d] = calendar_holiday_name(&dt) == NULL;
			for (int s = 0; s < SLOTS; s++)
				hist[(size_t)d * SLOTS + s] =
				        open[d] ? poisson(per_day * weekday[calendar_weekday(&dt)] *
				                          shape[s] / shape_sum)
				                : 0;
		}
		t0 = cpu_ms();
		err = forecast_run(&h, &rq, &p, fc, fc_open, NULL);
		fc_ms += cpu_ms() - t0;
		if (err) {
			fprintf(stderr, "forecast: %s\n", strerror(err));
			return 1;
		}
		/* Staff the open days' intervals, packed. */
		for (int d = 0; d < days; d++)
			if (fc_open[d])
				for (int s = 0; s < SLOTS; s++)
					fc[(size_t)n++] = fc[(size_t)d * SLOTS + s];
		t0 = cpu_ms();
		err = staffing_plan(fc, n, &sp, plan);
		st_ms += cpu_ms() - t0;
		if (err) {
			fprintf(stderr, "staffing: %s\n", strerror(err));
			return 1;
		}
		/* Schedules that roughly follow the need: per open day as many 8-hour shifts as
		 * the day's peak needs, staggered from 07:00 every 2 hours, each with a 30-minute
		 * break after 4 hours, and a group meeting on Wednesdays 13–14; then the
		 * coverage of every day's 96 intervals. */
		{
			int k = 0;
			for (int d = 0; d < days; d++) {
				int peak = 0, na = 0;
				int64_t day0 = (rq.first_day + d) * 86400;
				struct date dt;
				if (!fc_open[d])
					continue;
				for (int s2 = 0; s2 < SLOTS; s2++)
					if (plan[k + s2].agents > peak)
						peak = plan[k + s2].agents;
				if (peak > MAX_AGENTS)
					peak = MAX_AGENTS;
				for (int a = 0; a < peak; a++) {
					int64_t st = day0 + 7 * 3600 + (a % 4) * 2 * 3600;
					sh[a] = (struct sched_span){a + 1, st, st + 8 * 3600};
					off[na++] = (struct sched_span){a + 1, st + 4 * 3600,
					                                st + 4 * 3600 + 1800};
				}
				calendar_date_from_days(rq.first_day + d, &dt);
				if (calendar_weekday(&dt) == 2)
					off[na++] = (struct sched_span){0, day0 + 13 * 3600,
					                                day0 + 14 * 3600};
				t0 = cpu_ms();
				err = schedule_coverage(sh, peak, off, na, day0, SLOTS, 900, cov);
				cov_ms += cpu_ms() - t0;
				if (err) {
					fprintf(stderr, "coverage: %s\n", strerror(err));
					return 1;
				}
				for (int s2 = 0; s2 < SLOTS; s2++)
					if (cov[s2] < plan[k + s2].agents)
						short_intervals++;
				k += SLOTS;
			}
		}
		intervals += n;
		for (int i = 0; i < n; i++) {
			calls_total += fc[i];
			agents += plan[i].agents;
			agents_c += plan[i].agents_erlang_c;
		}
	}
	printf("groups=%d weeks=%d intervals=%ld (96 a day, open days only) calls=%.0f "
	       "scheduled_agent_intervals_erlang_a=%ld erlang_c=%ld\n",
	       groups, weeks, intervals, calls_total, agents, agents_c);
	printf("forecast_cpu_ms=%.1f staffing_cpu_ms=%.1f coverage_cpu_ms=%.1f total_cpu_ms=%.1f "
	       "wall_ms=%.1f (wall includes generating the history) short_intervals=%ld\n",
	       fc_ms, st_ms, cov_ms, fc_ms + st_ms + cov_ms, wall_ms() - wall0, short_intervals);
	free(hist);
	free(open);
	free(fc);
	free(fc_open);
	free(plan);
	return 0;
}
