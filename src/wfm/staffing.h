/* Agents needed per interval for a forecast: Erlang A (callers hang up after their
 * patience) with Erlang C beside it for comparison, a service-level target, a highest
 * occupancy and shrinkage. Pure: no I/O, no clock; builds on wfm/erlang.h. See
 * docs/wfm.md. */
#ifndef LOTSEN_WFM_STAFFING_H
#define LOTSEN_WFM_STAFFING_H

/* What every interval of a plan must meet. */
struct staffing_params {
	double interval_s;    /* interval length in seconds, > 0 (e.g. 1800) */
	double aht_s;         /* average handle time in seconds, > 0 */
	double patience_s;    /* mean patience for Erlang A, > 0 */
	double target_sl;     /* share answered within target_time_s, 0 < x ≤ 1 */
	double target_time_s; /* ≥ 0 */
	double shrinkage;     /* share of scheduled time off the phones, 0 ≤ x < 1 */
	double max_occupancy; /* 0 = no limit; else 0 < x ≤ 1 */
};

/* One interval of a plan. */
struct staffing_interval {
	int agents;           /* scheduled agents by Erlang A: on_phones ÷ (1 − shrinkage) */
	int on_phones;        /* agents on the phones by Erlang A */
	int agents_erlang_c;  /* scheduled agents by Erlang C (nobody hangs up) */
	double service_level; /* what on_phones gives by Erlang A; 1 for an empty interval */
	double abandon_rate;  /* Erlang A's abandons at on_phones */
	double occupancy;     /* at on_phones */
};

/* Staff n intervals with calls[i] calls each (≥ 0, fractional allowed): out[i]. An
 * interval without calls (calls < 0.005) needs nobody. 0, or
 * EINVAL (nothing meaningful in out): NULL, n < 0, a parameter or count out of range;
 * ERANGE: some interval cannot be staffed up to ERLANG_MAX_AGENTS (out[i] of the
 *   intervals before it are filled);
 * ENOMEM: as erlang_agents_needed(). */
int staffing_plan(const double *calls, int n, const struct staffing_params *p,
                  struct staffing_interval *out);

/* `lotsen staffing …`; argv[0] is "staffing". Reads a forecast CSV, writes it with the
 * agents needed. Returns the exit code: 0 done, 1 could not compute or write, 2 bad
 * usage or input. */
int staffing_cli(int argc, char **argv);

#endif
