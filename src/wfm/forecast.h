/* Forecast of contacts per interval from a history of counts: weekday factors × a
 * smoothed level with a damped trend, an intraday profile per weekday shrunk towards
 * the pooled (and smoothed) profile as far as the counts are noise, Swedish holidays,
 * the days before and after closed days, and known events.
 *
 * Pure: no I/O, no clock; arrays in, arrays out. Days are counted as in
 * base/calendar.h (days since 1970-01-01); a day is divided into `slots` intervals of
 * 1440 / slots minutes from midnight, local wall-clock time. See docs/wfm.md. */
#ifndef LOTSEN_WFM_FORECAST_H
#define LOTSEN_WFM_FORECAST_H

#include <stdbool.h>
#include <stdint.h>

/* The most intervals a day: 5-minute intervals. */
#define FORECAST_MAX_SLOTS 288

/* The history: one row of `slots` counts for each day from first_day on. */
struct forecast_history {
	int64_t first_day;   /* days since 1970-01-01 of the first row */
	int days;            /* rows, ≥ 1 */
	int slots;           /* intervals per day, 1440 divisible by it, ≤ FORECAST_MAX_SLOTS */
	const double *calls; /* days × slots counts ≥ 0, row-major; borrowed */
	const bool *open;    /* per day: the center was open (the history had rows for it) */
};

/* Expected extra contacts on one date (a mailing, a news item, a system change). */
struct forecast_event {
	int64_t day;        /* days since 1970-01-01 */
	double extra_calls; /* added to the day's forecast, spread by its profile; may be < 0 */
};

/* What to forecast. */
struct forecast_request {
	int64_t first_day;     /* first day to forecast */
	int days;              /* days to forecast, ≥ 1 */
	const int64_t *closed; /* further closed dates besides Swedish holidays; borrowed */
	int n_closed;
	const struct forecast_event *events; /* borrowed */
	int n_events;
};

/* The method's knobs; forecast_params_default() gives the measured defaults. */
struct forecast_params {
	int weeks;         /* weeks of history behind weekday factors, profiles, open days: 16 */
	double alpha;      /* smoothing of the level, 0 < alpha ≤ 1: 0.1 */
	double beta;       /* smoothing of the trend, 0 ≤ beta ≤ 1: 0.1 (0 = no trend) */
	double phi;        /* damping of the trend per day, 0 ≤ phi ≤ 1: 0.9 */
	double prior_days; /* weight, in days, pulling special-day factors towards 1: 2 */
};

/* What the forecast learned, for explaining it. */
struct forecast_model {
	bool weekday_open[7];      /* 0 = Monday: weekdays the center is open on */
	double weekday_factor[7];  /* day volume of the weekday ÷ mean day volume */
	double level;              /* de-seasonalised day volume at the end of the history */
	double trend;              /* its change per open day (before damping) */
	double after_closed;       /* factor for the first open day after a closed day */
	double before_closed;      /* factor for the last open day before a closed day */
	bool holidays_open;        /* the history shows the center open on holidays */
	double holiday_factor;     /* factor for an open holiday */
	double profile_weight[7];  /* share of the weekday's own profile (rest pooled) */
	double smooth_weight;      /* share of the raw pooled profile (rest smoothed) */
	int first_slot, last_slot; /* the slots that had calls in the history's window */
};

void forecast_params_default(struct forecast_params *p);

/* Forecast rq->days days into calls_out (rq->days × h->slots, row-major) and open_out
 * (per day). A day is open when its weekday is open in the history's last `weeks`
 * weeks (rows on more than half of its non-holiday dates there), it is not in
 * rq->closed, and it is not a Swedish holiday or a closed eve (base/calendar.h) —
 * unless the history shows the center open on most of its holidays. Closed days get
 * zeros. Events on closed days are not applied. `model`, when not NULL, receives what
 * was learned.
 * EINVAL (nothing written): NULL pointers, sizes or parameters out of range, a count
 * negative or not finite, or a history without an open day. */
int forecast_run(const struct forecast_history *h, const struct forecast_request *rq,
                 const struct forecast_params *p, double *calls_out, bool *open_out,
                 struct forecast_model *model);

/* WAPE: Σ|forecast − actual| ÷ Σ actual over n values; NaN when Σ actual is 0. */
double forecast_wape(const double *forecast, const double *actual, int n);

/* `lotsen forecast …`; argv[0] is "forecast". Writes the forecast CSV, errors to
 * stderr. Returns the exit code: 0 done, 1 could not write, 2 bad usage or input. */
int forecast_cli(int argc, char **argv);

#endif
