/* A year of Stockholm-sized phone traffic through the simulator: 30 groups, 70 agents,
 * ~400 000 calls over the working days of 2026 (08–16), each day replayed through the
 * real ACD engine and folded by acd_stats. Prints wall time, calls/s and peak RSS.
 * Usage: bench_acd_sim [CALLS_PER_YEAR] */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "acd/sim.h"
#include "base/calendar.h"

#define GROUPS 30
#define AGENTS 70

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The day's configuration; only the date changes from day to day. Groups get
 * unequal shares of the traffic (group g weighs 1 + g mod 5), the usual
 * morning peak, and overflow in a ring of five; every agent is in three groups. */
static json_t *year_config(double calls_per_hour_total)
{
	static const double shape[8] = {1.3, 1.4, 1.2, 0.9, 0.9, 1.0, 0.7, 0.6}; /* 08…15 */
	json_t *groups = json_array(), *agents = json_array();
	double weights = 0;

	for (int g = 0; g < GROUPS; g++)
		weights += 1 + g % 5;
	for (int g = 0; g < GROUPS; g++) {
		json_t *rates = json_array();
		double share = (1 + g % 5) / weights;

		for (int h = 0; h < 24; h++)
			json_array_append_new(
			        rates, json_real(h >= 8 && h < 16 ? calls_per_hour_total * share *
			                                                    shape[h - 8]
			                                          : 0.0));
		json_array_append_new(
		        groups,
		        json_pack("{s:i,s:s,s:{s:{s:[[ss]],s:[[ss]],s:[[ss]],s:[[ss]],s:[[ss]]}},"
		                  "s:i,s:i,s:i,s:i,s:i,s:i,s:o}",
		                  "id", g + 1, "name", "grupp", "hours", "weekly", "mon", "08:00",
		                  "16:00", "tue", "08:00", "16:00", "wed", "08:00", "16:00", "thu",
		                  "08:00", "16:00", "fri", "08:00", "16:00", "overflow_group",
		                  g % 5 == 4 ? g - 3 : g + 2, "max_wait_s", 600, "callback_offer_s",
		                  300, "wrapup_s", 30, "aht_s", 180, "patience_s", 240,
		                  "calls_per_hour", rates));
	}
	for (int a = 0; a < AGENTS; a++)
		json_array_append_new(agents,
		                      json_pack("{s:i,s:[{s:i,s:i},{s:i,s:i},{s:i,s:i}],s:s,s:s}",
		                                "id", a + 1, "groups", "group", a % GROUPS + 1,
		                                "level", 1, "group", (a + 7) % GROUPS + 1, "level",
		                                1, "group", (a + 13) % GROUPS + 1, "level", 2,
		                                "login", a % 3 == 0 ? "08:00" : "08:30", "logout",
		                                a % 3 == 0 ? "15:30" : "16:00"));
	return json_pack("{s:s,s:f,s:o,s:o}", "date", "2026-01-02", "short_abandon_s", 5.0,
	                 "groups", groups, "agents", agents);
}

int main(int argc, char **argv)
{
	double per_year = 400000, t0, wall, sl_sum = 0;
	long long offered = 0, answered = 0, abandoned = 0, overflowed = 0, callbacks = 0;
	struct date d = {2026, 1, 1};
	struct rusage ru;
	json_t *conf;
	int days = 0;

	if (argc > 1) {
		char *end;

		errno = 0;
		per_year = strtod(argv[1], &end);
		if (errno || *end || !(per_year > 0) || per_year > 1e9) {
			fprintf(stderr, "usage: bench_acd_sim [CALLS_PER_YEAR > 0]\n");
			return 2;
		}
	}
	/* Working days of 2026. */
	for (struct date x = d; x.y == 2026; calendar_add_days(&x, 1, &x))
		days += calendar_is_working_day(&x);
	conf = year_config(per_year / days / 8.0);
	if (!conf)
		return 1;

	t0 = now_s();
	for (int day = 0; d.y == 2026; calendar_add_days(&d, 1, &d)) {
		struct acd_sim_group_result *r = NULL;
		char date[11], err[200];
		int n = 0, e;

		if (!calendar_is_working_day(&d))
			continue;
		calendar_date_format(&d, date);
		json_object_set_new(conf, "date", json_string(date));
		e = acd_sim_replay(conf, (uint64_t)++day, &r, &n, err, sizeof(err));
		if (e) {
			fprintf(stderr, "bench_acd_sim: %s: %s\n", date,
			        err[0] ? err : strerror(e));
			json_decref(conf);
			return 1;
		}
		for (int g = 0; g < n; g++) {
			offered += r[g].t.offered;
			answered += r[g].t.answered;
			abandoned += r[g].t.abandoned;
			overflowed += r[g].t.overflowed;
			callbacks += r[g].t.callbacks_requested;
			sl_sum += r[g].t.service_level_60 * r[g].t.offered;
		}
		free(r);
	}
	wall = now_s() - t0;
	json_decref(conf);
	getrusage(RUSAGE_SELF, &ru);
	printf("days=%d groups=%d agents=%d offered=%lld answered=%lld abandoned=%lld "
	       "overflowed=%lld callbacks=%lld sl60=%.3f\n",
	       days, GROUPS, AGENTS, offered, answered, abandoned, overflowed, callbacks,
	       offered ? sl_sum / offered : 1.0);
	printf("wall_s=%.3f calls_per_s=%.0f peak_rss_kb=%ld\n", wall,
	       wall > 0 ? offered / wall : 0.0, ru.ru_maxrss);
	return 0;
}
