/* Latency histograms with one fixed set of buckets, for GET /metrics. */
#include "base/metric.h"

/* One set for every latency Lotsen reports (HTTP requests, commits, fsyncs): a fsync of
 * a few ms and a report of seconds both land in a bucket of their own. */
const double metric_bounds[METRIC_BUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                              0.1,    0.25,  0.5,    1,     2.5,  5,     10};

void metric_hist_observe(struct metric_hist *h, double seconds)
{
	if (seconds < 0)
		seconds = 0;
	for (int i = 0; i < METRIC_BUCKETS; i++) {
		if (seconds <= metric_bounds[i]) {
			h->n[i]++;
			break;
		}
	}
	h->count++;
	h->sum += seconds;
}

uint64_t metric_hist_le(const struct metric_hist *h, int i)
{
	uint64_t c = 0;

	for (int k = 0; k <= i && k < METRIC_BUCKETS; k++)
		c += h->n[k];
	return c;
}
