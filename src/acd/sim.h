/* The contact-center simulator: the real ACD engine driven by random callers.
 *
 * A discrete-event simulation: Poisson arrivals, exponential talk times and
 * exponential patience go through acd.h exactly as telephony would send them,
 * and the engine's event log is folded by acd_stats.h, so what the simulator
 * reports is what the live statistics would show. Agents answer every offer at
 * once. Deterministic for a given seed.
 *
 * Two ways to run it:
 *  - acd_sim_run: one group, n identical agents, a steady load — the model
 *    Erlang C (no patience) and Erlang A (exponential patience) describe, used
 *    to check the engine and the Erlang maths against each other;
 *  - acd_sim_replay: one day of configured groups (opening hours, overflow,
 *    callbacks, wrap-up), agents with memberships and shifts, and arrival
 *    rates per hour of day. */
#ifndef LOTSEN_ACD_SIM_H
#define LOTSEN_ACD_SIM_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "acd/acd_stats.h"

struct acd_sim_cfg {
	int agents;               /* ≥ 1 */
	double calls_per_hour;    /* arrival rate, > 0 */
	double aht_s;             /* mean talk time (exponential), > 0 */
	double wrapup_s;          /* fixed wrap-up after each call; 0 = none (as Erlang) */
	double patience_s;        /* mean patience (exponential); 0 = infinite (Erlang C) */
	double hours;             /* measured time, > 0 */
	double warmup_s;          /* discarded start; < 0 = default (see acd_sim_warmup_s) */
	double target_time_s;     /* service-level target T; 0 = 60 */
	int64_t short_abandon_ms; /* 0 for the Erlang comparison; DESIGN default 5 000 */
	uint64_t seed;
};

struct acd_sim_result {
	int offered; /* queued in the measured period, short abandons excluded */
	int answered;
	int abandoned; /* excluding short abandons */
	int short_abandoned;
	double service_level;    /* answered with wait ≤ T ÷ offered, from the answer waits */
	double service_level_60; /* from acd_stats (T = 60 s) */
	double service_level_180;
	double asa_s;            /* mean answer wait */
	double abandon_rate;     /* abandoned ÷ offered */
	double occupancy;        /* (talk + wrap-up) ÷ logged-in time of the agents */
	double aht_s;            /* (talk + wrap-up) ÷ handled */
	double warmup_s;         /* what was discarded */
	long long engine_events; /* events the engine logged, warm-up included */
};

/* The default warm-up: one hour or 5 % of the measured time, whichever is
 * longer, rounded up to a whole 15-minute interval. */
double acd_sim_warmup_s(double hours);

/* Run the one-group model. EINVAL for out-of-range settings; ENOMEM; EPROTO
 * when the engine refused an event the simulator had every right to send. */
int acd_sim_run(const struct acd_sim_cfg *cfg, struct acd_sim_result *out);

/* One group's day in a replay. */
struct acd_sim_group_result {
	uint32_t group;
	char name[64];
	struct acd_totals t; /* finished (rates filled in) */
};

/* Replay one day of the configuration `conf` (see docs/statistics.md for the
 * format). On success *out is an array of *n results in group order, owned by
 * the caller (free()). EINVAL with a message naming the field in `err` for a
 * bad configuration. */
int acd_sim_replay(const json_t *conf, uint64_t seed, struct acd_sim_group_result **out, int *n,
                   char *err, size_t errlen);

/* `lotsen simulate …`; argv[0] is "simulate". Returns the exit status. */
int simulate_cli(int argc, char **argv);

#endif
