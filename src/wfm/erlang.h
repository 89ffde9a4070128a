/* Erlang C and Erlang A staffing maths: how many agents a call load needs to meet a
 * service level, and what a given staffing gives.
 *
 * Erlang C is the M/M/n queue (callers never hang up). Erlang A is M/M/n+M: callers
 * abandon after an exponential patience, computed exactly from its birth–death chain.
 * Service level follows DESIGN.md: answered with wait ≤ T ÷ offered, abandons in the
 * denominator. All functions are pure: no I/O, no clock, no shared state. See
 * docs/erlang.md for the formulas. */
#ifndef LOTSEN_WFM_ERLANG_H
#define LOTSEN_WFM_ERLANG_H

/* The most agents erlang_evaluate() takes and erlang_agents_needed() searches. */
#define ERLANG_MAX_AGENTS 1000000

/* Erlang B: the probability that a call offered a erlangs is blocked when n servers
 * have no queue. Computed with the recursion B(0) = 1, B(k) = a·B / (k + a·B), which
 * stays in [0,1] and is stable for n in the thousands. NaN when a < 0, a is not
 * finite or n < 0. */
double erlang_b(double a, int n);

/* Erlang C: the probability that a caller has to wait with a erlangs offered to n
 * agents, C = n·B / (n − a·(1 − B)). 1.0 when a ≥ n (the queue is unstable). NaN
 * for the arguments erlang_b() rejects. */
double erlang_c(double a, int n);

/* The load of one interval. */
struct erlang_input {
	double calls;         /* arrivals in the interval, ≥ 0 (forecasts may be fractional) */
	double interval_s;    /* interval length in seconds, > 0, e.g. 1800 */
	double aht_s;         /* average handle time (talk + wrap-up) in seconds, > 0 */
	double target_time_s; /* T of the service level in seconds, ≥ 0, e.g. 60 */
	double patience_s;    /* mean patience for Erlang A, > 0; 0 = infinite (Erlang C) */
};

/* What a staffing gives. Rates are shares in [0,1], times in seconds. */
struct erlang_result {
	int agents;           /* agents on the phones (productive) */
	int agents_scheduled; /* agents / (1 - shrinkage), rounded up; = agents from
	                       * erlang_evaluate(), which knows no shrinkage */
	double p_wait;        /* probability an arriving caller waits (finds all busy) */
	double service_level; /* answered within T / offered (abandons in the denominator) */
	double asa_s;         /* mean wait of answered callers, those answered at once
	                       * counted with 0 */
	double abandon_rate;  /* abandoned / offered; 0 for Erlang C */
	double occupancy;     /* busy agent time / available agent time */
};

/* Evaluate n agents against the load: fills *out and returns 0.
 * EINVAL (nothing written): in or out NULL, a field of in out of its range above,
 *   agents < 1 or > ERLANG_MAX_AGENTS.
 * ERANGE (nothing written): Erlang C with load a = calls·aht/interval ≥ agents, where
 *   the queue grows without bound; or Erlang A so overloaded, with patience so long,
 *   that its queue does not fit the chain's limit of a million waiting callers.
 * ENOMEM: Erlang A could not allocate its chain. */
int erlang_evaluate(const struct erlang_input *in, int agents, struct erlang_result *out);

/* What the staffing must achieve. */
struct erlang_target {
	double service_level; /* share answered within T, 0 ≤ sl ≤ 1, e.g. 0.85 */
	double max_occupancy; /* e.g. 0.90; 0 = no limit; else 0 < x ≤ 1 */
	double shrinkage;     /* share of scheduled time not on the phones, 0 ≤ s < 1 */
	double max_abandon;   /* 0 = no limit (Erlang A only); else 0 < x ≤ 1 */
};

/* The smallest number of agents (at least 1) meeting every part of the target, with
 * its evaluation in *out and agents_scheduled = ceil(agents / (1 − shrinkage)).
 * Never returns a staffing where Erlang C is unstable. Relies on every measure being
 * monotone in the number of agents and searches by doubling then bisection, so a
 * 2 000-agent answer takes a few dozen evaluations.
 * EINVAL (nothing written): in, t or out NULL, or a field out of its range.
 * ERANGE (nothing written): no staffing up to ERLANG_MAX_AGENTS meets the target.
 * ENOMEM: as erlang_evaluate(). */
int erlang_agents_needed(const struct erlang_input *in, const struct erlang_target *t,
                         struct erlang_result *out);

/* Scheduled agents for agents on the phones: ceil(agents / (1 − shrinkage)), where a
 * quotient within 1e-9 of a whole number counts as that number (14 / 0.7 is 20, not
 * 21). EINVAL when agents < 0 or shrinkage is outside [0,1), or the result would not
 * fit an int. */
int erlang_schedule(int agents, double shrinkage, int *scheduled);

/* `lotsen erlang …`: the maths from a shell; argv[0] is "erlang". Prints to stdout
 * (a Swedish summary, or one JSON object with --json) and errors to stderr. Returns
 * the exit code: 0 done, 1 could not compute, 2 bad usage. */
int erlang_cli(int argc, char **argv);

#endif
