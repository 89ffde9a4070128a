/* Routing-decision latency and memory per waiting call of the ACD engine.
 *
 * 1 000 agents in 100 groups (each agent in 5 groups, mixed levels) under a
 * steady load near capacity, so both decisions occur often: a call arriving
 * to a ready agent (→ offer) and an agent ending wrap-up who picks a waiting
 * call. Each such call into the engine is timed with CLOCK_MONOTONIC. Then
 * 100 000 callers are left waiting in one group to measure memory.
 *
 *   cmake -S . -B build-acd-rel -DCMAKE_BUILD_TYPE=Release
 *   cmake --build build-acd-rel -j2 --target bench_acd_route
 *   build-acd-rel/bench/bench_acd_route */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "acd/acd.h"
#include "acd/acd_int.h" /* sizeof(struct call) and friends, for the memory figure */

#define N_AGENTS      1000
#define N_GROUPS      100
#define PER_AGENT     5
#define SIM_S         (6 * 3600) /* simulated seconds */
#define WAITING_CALLS 100000

/* ---- a deterministic random source ---------------------------------------- */

static uint64_t rng = UINT64_C(0x9E3779B97F4A7C15);

static uint64_t xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int64_t uniform(int64_t lo, int64_t hi)
{
	return lo + (int64_t)(xorshift() % (uint64_t)(hi - lo + 1));
}

/* ---- the bench's own agenda: when each agent hangs up / ends wrap-up ------- */

struct due {
	int64_t at;
	uint32_t agent;
	uint64_t call; /* nonzero: hang up this call; zero: end wrap-up */
};

static struct due agenda[2 * N_AGENTS + 16];
static size_t n_agenda;

static void agenda_push(struct due d)
{
	size_t i = n_agenda++;

	while (i > 0 && agenda[(i - 1) / 2].at > d.at) {
		agenda[i] = agenda[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	agenda[i] = d;
}

static struct due agenda_pop(void)
{
	struct due top = agenda[0], last = agenda[--n_agenda];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n_agenda)
			break;
		if (c + 1 < n_agenda && agenda[c + 1].at < agenda[c].at)
			c++;
		if (agenda[c].at >= last.at)
			break;
		agenda[i] = agenda[c];
		i = c;
	}
	if (n_agenda)
		agenda[i] = last;
	return top;
}

/* ---- timing ------------------------------------------------------------------- */

static double *samples;
static size_t n_samples, cap_samples;

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sample(double us)
{
	if (n_samples == cap_samples) {
		cap_samples = cap_samples ? 2 * cap_samples : 65536;
		samples = realloc(samples, cap_samples * sizeof(*samples));
		if (!samples) {
			perror("realloc");
			exit(1);
		}
	}
	samples[n_samples++] = us;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

/* Answer every offer at once and plan the hang-up; count offers. */
static int drain(struct acd *a, int64_t now)
{
	struct acd_action x;
	struct acd_event e;
	int offers = 0;

	while (acd_next_action(a, &x)) {
		if (x.kind != ACD_ACT_OFFER)
			continue;
		offers++;
		if (acd_call_answer(a, now, x.call) != 0) {
			fprintf(stderr, "answer failed\n");
			exit(1);
		}
		agenda_push((struct due){now + uniform(60000, 300000), x.agent, x.call});
	}
	while (acd_next_event(a, &e))
		;
	return offers;
}

static long rss_pages(void)
{
	long size = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f)
		return 0;
	if (fscanf(f, "%ld %ld", &size, &rss) != 2)
		rss = 0;
	fclose(f);
	return rss;
}

static void routing(void)
{
	struct acd *a;
	int64_t t0 = INT64_C(1780000000000), now = t0;
	size_t arrive_n = 0, ready_n = 0, max_waiting = 0;
	double arrive_sum = 0, ready_sum = 0;

	if (acd_alloc(&a) != 0)
		exit(1);
	for (uint32_t g = 1; g <= N_GROUPS; g++) {
		struct acd_group_cfg c;
		memset(&c, 0, sizeof(c));
		c.id = g;
		c.priority = (int)uniform(0, 3);
		c.wrapup_ms = 3600000; /* the bench ends wrap-up itself, timed */
		c.widen_after_ms = 20000;
		if (acd_group_set(a, &c) != 0)
			exit(1);
	}
	for (uint32_t ag = 1; ag <= N_AGENTS; ag++) {
		struct acd_membership m[PER_AGENT];
		for (int i = 0; i < PER_AGENT; i++) {
			uint32_t g;
			int dup;
			do {
				g = (uint32_t)uniform(1, N_GROUPS);
				dup = 0;
				for (int j = 0; j < i; j++)
					dup |= m[j].group == g;
			} while (dup);
			m[i].group = g;
			m[i].level = i == 0 ? 1 : (int)uniform(1, 3);
		}
		if (acd_agent_set(a, ag, m, PER_AGENT) || acd_agent_login(a, now, ag) ||
		    acd_agent_ready(a, now, ag))
			exit(1);
	}
	drain(a, now);

	/* Capacity: 1000 agents / (180 s talk + 20 s wrap-up) = 5 calls/s; offer 4.9. */
	for (int64_t step = 0; step < SIM_S * 10; step++) {
		now = t0 + step * 100;
		while (n_agenda && agenda[0].at <= now) {
			struct due d = agenda_pop();
			if (d.call) {
				if (acd_call_hangup(a, now, d.call) != 0)
					exit(1);
				drain(a, now);
				agenda_push((struct due){now + uniform(10000, 30000), d.agent, 0});
			} else {
				int64_t s = mono_ns();
				if (acd_agent_ready(a, now, d.agent) != 0)
					exit(1);
				double us = (double)(mono_ns() - s) / 1000.0;
				if (drain(a, now)) {
					sample(us);
					ready_sum += us;
					ready_n++;
				}
			}
		}
		if (acd_next_deadline(a) <= now) {
			acd_timer(a, now);
			drain(a, now);
		}
		if (xorshift() % 1000 < 490) {
			struct acd_call_in in;
			uint64_t id;
			memset(&in, 0, sizeof(in));
			in.group = (uint32_t)uniform(1, N_GROUPS);
			memcpy(in.entry, "0771234567", 11);
			int64_t s = mono_ns();
			if (acd_call_arrive(a, now, &in, &id) != 0)
				exit(1);
			double us = (double)(mono_ns() - s) / 1000.0;
			if (drain(a, now)) {
				sample(us);
				arrive_sum += us;
				arrive_n++;
			}
		}
		if (step % 600 == 0) {
			size_t waiting = 0;
			for (uint32_t g = 1; g <= N_GROUPS; g++) {
				struct acd_group_snapshot sn;
				acd_group_snapshot(a, now, g, &sn);
				waiting += (size_t)sn.waiting;
			}
			if (waiting > max_waiting)
				max_waiting = waiting;
		}
	}
	qsort(samples, n_samples, sizeof(*samples), cmp_double);
	printf("routing decisions: %zu (call arrives → offer: %zu, mean %.2f µs; "
	       "agent ready → picks a call: %zu, mean %.2f µs)\n",
	       n_samples, arrive_n, arrive_n ? arrive_sum / (double)arrive_n : 0.0, ready_n,
	       ready_n ? ready_sum / (double)ready_n : 0.0);
	printf("  %d agents, %d groups, %d groups per agent, %d h simulated, up to %zu callers "
	       "waiting (sampled each minute)\n",
	       N_AGENTS, N_GROUPS, PER_AGENT, SIM_S / 3600, max_waiting);
	printf("  p50 %.2f µs  p99 %.2f µs  max %.2f µs\n", samples[n_samples / 2],
	       samples[n_samples * 99 / 100], samples[n_samples - 1]);
	acd_free(a);
	free(samples);
}

static void memory(void)
{
	struct acd *a;
	struct acd_group_cfg c;
	struct acd_call_in in;
	long page = sysconf(_SC_PAGESIZE), before, after;
	uint64_t id;

	if (acd_alloc(&a) != 0)
		exit(1);
	memset(&c, 0, sizeof(c));
	c.id = 1;
	c.max_wait_ms = 3600000; /* one live timer per caller, as with a real queue */
	if (acd_group_set(a, &c) != 0)
		exit(1);
	memset(&in, 0, sizeof(in));
	in.group = 1;
	memcpy(in.entry, "0771234567", 11);
	memcpy(in.caller, "0701234567", 11);
	before = rss_pages();
	for (int i = 0; i < WAITING_CALLS; i++) {
		if (acd_call_arrive(a, INT64_C(1780000000000) + i, &in, &id) != 0)
			exit(1);
		drain(a, 0);
	}
	after = rss_pages();
	printf("memory: sizeof(struct call) %zu B in slabs of %d; hash slot %zu B at load ≤ 0.5; "
	       "timer entry %zu B\n",
	       sizeof(struct call), ACD_CALL_SLAB, sizeof(struct u64map_slot),
	       sizeof(struct timer));
	printf("  %d waiting callers: RSS +%.1f MiB = %.0f B per waiting call\n", WAITING_CALLS,
	       (double)(after - before) * (double)page / 1048576.0,
	       (double)(after - before) * (double)page / WAITING_CALLS);
	acd_free(a);
}

int main(void)
{
	routing();
	memory();
	return 0;
}
