/* Counters and latency histograms that modules keep for GET /metrics (rendered by
 * http/api_metrics.c in the Prometheus text format). */
#ifndef LOTSEN_BASE_METRIC_H
#define LOTSEN_BASE_METRIC_H

#include <stdint.h>

/* Upper bounds of the buckets in seconds, from 0.5 ms to 10 s; +Inf is the count. */
#define METRIC_BUCKETS 14
extern const double metric_bounds[METRIC_BUCKETS];

/* A latency histogram. Counts per bucket are kept apart (not cumulative): the renderer
 * adds them up. Zero-initialized it is empty. */
struct metric_hist {
	uint64_t n[METRIC_BUCKETS]; /* observations ≤ metric_bounds[i] and > the bound before */
	uint64_t count;             /* all observations, including those above the last bound */
	double sum;                 /* their sum, seconds */
};

void metric_hist_observe(struct metric_hist *h, double seconds);
/* Observations ≤ metric_bounds[i] (cumulative, as Prometheus' `le` buckets). */
uint64_t metric_hist_le(const struct metric_hist *h, int i);

#endif
