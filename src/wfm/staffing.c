/* Agents needed per interval for a forecast, by Erlang A and C. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>

#include "wfm/erlang.h"
#include "wfm/staffing.h"

static bool params_ok(const struct staffing_params *p)
{
	return p->interval_s > 0 && isfinite(p->interval_s) && p->aht_s > 0 && isfinite(p->aht_s) &&
	       p->patience_s > 0 && isfinite(p->patience_s) && p->target_sl > 0 &&
	       p->target_sl <= 1 && p->target_time_s >= 0 && isfinite(p->target_time_s) &&
	       p->shrinkage >= 0 && p->shrinkage < 1 && p->max_occupancy >= 0 &&
	       p->max_occupancy <= 1;
}

int staffing_plan(const double *calls, int n, const struct staffing_params *p,
                  struct staffing_interval *out)
{
	const struct erlang_target t = {.service_level = p ? p->target_sl : 0,
	                                .max_occupancy = p ? p->max_occupancy : 0,
	                                .shrinkage = p ? p->shrinkage : 0};

	if (!calls || !p || !out || n < 0 || !params_ok(p))
		return EINVAL;
	for (int i = 0; i < n; i++)
		if (!(calls[i] >= 0 && isfinite(calls[i])))
			return EINVAL;
	for (int i = 0; i < n; i++) {
		struct erlang_input in = {.calls = calls[i],
		                          .interval_s = p->interval_s,
		                          .aht_s = p->aht_s,
		                          .target_time_s = p->target_time_s,
		                          .patience_s = p->patience_s};
		struct erlang_result a, c;
		int err;

		if (calls[i] < 0.005) {
			out[i] = (struct staffing_interval){.service_level = 1};
			continue;
		}
		err = erlang_agents_needed(&in, &t, &a);
		if (err)
			return err;
		in.patience_s = 0;
		err = erlang_agents_needed(&in, &t, &c);
		if (err)
			return err;
		out[i] = (struct staffing_interval){.agents = a.agents_scheduled,
		                                    .on_phones = a.agents,
		                                    .agents_erlang_c = c.agents_scheduled,
		                                    .service_level = a.service_level,
		                                    .abandon_rate = a.abandon_rate,
		                                    .occupancy = a.occupancy};
	}
	return 0;
}
