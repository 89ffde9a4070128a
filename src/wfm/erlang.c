/* Erlang C and Erlang A: service level, waits and agents needed for a call load. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "wfm/erlang.h"

/* Erlang A keeps at most this many waiting-caller states (a million: 32 MB). */
#define MAX_QUEUE_STATES 1000000L
/* The stationary terms left out of the chain sum to less than this share. */
#define TAIL_EPS 1e-16
/* Slack when comparing with a target, so that a load computed as 9.000000000000002
 * erlangs still counts as 90 % occupancy on 10 agents. */
#define TARGET_SLACK 1e-12

double erlang_b(double a, int n)
{
	double b = 1.0;

	if (!(a >= 0) || !isfinite(a) || n < 0)
		return NAN;
	for (int k = 1; k <= n; k++)
		b = a * b / (k + a * b);
	return b;
}

double erlang_c(double a, int n)
{
	double b = erlang_b(a, n);

	if (isnan(b))
		return b;
	if (a >= n)
		return 1.0;
	return n * b / (n - a * (1 - b));
}

static bool in_range(double x, double lo, double hi)
{
	return x >= lo && x <= hi; /* false for NaN */
}

static bool input_valid(const struct erlang_input *in)
{
	return in && in_range(in->calls, 0, HUGE_VAL) && isfinite(in->calls) &&
	       in->interval_s > 0 && isfinite(in->interval_s) && in->aht_s > 0 &&
	       isfinite(in->aht_s) && in_range(in->target_time_s, 0, HUGE_VAL) &&
	       isfinite(in->target_time_s) && in_range(in->patience_s, 0, HUGE_VAL) &&
	       isfinite(in->patience_s) && isfinite(in->calls * in->aht_s / in->interval_s);
}

static bool target_valid(const struct erlang_target *t)
{
	return t && in_range(t->service_level, 0, 1) && in_range(t->max_occupancy, 0, 1) &&
	       in_range(t->shrinkage, 0, 1) && t->shrinkage < 1 && in_range(t->max_abandon, 0, 1);
}

static double clamp01(double x)
{
	return x < 0 ? 0 : x > 1 ? 1 : x;
}

int erlang_schedule(int agents, double shrinkage, int *scheduled)
{
	double s;

	if (!scheduled || agents < 0 || !in_range(shrinkage, 0, 1) || shrinkage >= 1)
		return EINVAL;
	s = ceil(agents / (1 - shrinkage) - 1e-9);
	if (s > INT_MAX)
		return EINVAL;
	*scheduled = (int)s;
	return 0;
}

/* ======================================================================
 * Erlang C
 * ====================================================================== */

/* tau is T in handle times. */
static int eval_c(double a, int n, double tau, double aht, struct erlang_result *r)
{
	double c;

	if (a >= n)
		return ERANGE;
	c = erlang_c(a, n);
	r->p_wait = c;
	r->service_level = clamp01(1 - c * exp(-(n - a) * tau));
	r->asa_s = c * aht / (n - a);
	r->abandon_rate = 0;
	r->occupancy = a / n;
	return 0;
}

/* ======================================================================
 * Erlang A
 *
 * Time is counted in handle times, so an agent serves at rate 1, callers arrive at
 * rate a and each waiting caller abandons at rate g = aht / patience. State k is the
 * number of callers in the system; it dies at min(k,n) + max(k−n,0)·g.
 * ====================================================================== */

struct chain {
	double a; /* arrival rate */
	double g; /* abandonment rate of one waiting caller */
	int n;    /* agents */
};

static double death(const struct chain *c, long k)
{
	return k <= c->n ? (double)k : c->n + (double)(k - c->n) * c->g;
}

/* The most likely state: the first k whose next death rate reaches the arrival rate. */
static int chain_mode(const struct chain *c, long *mode)
{
	double x;

	if (c->a <= c->n) {
		x = ceil(c->a - 1);
		*mode = x > 0 ? (long)x : 0;
		return 0;
	}
	x = ceil((c->a - c->n) / c->g);
	if (!(x <= MAX_QUEUE_STATES))
		return ERANGE;
	*mode = c->n - 1 + (long)x;
	return 0;
}

/* The states worth keeping, walking out from the mode (term 1 there). The ratio of
 * neighbouring terms falls steadily away from the mode, so once it is below 1 the rest
 * of that side is below a geometric series: stop when that bound is below TAIL_EPS of
 * the sum. Terms never exceed 1, so nothing overflows for thousands of agents. The
 * upper end is at least n so that the queue has a state 0. */
static int chain_range(const struct chain *c, long mode, long *lo, long *hi)
{
	double t = 1, sum = 1, r;
	long k;

	for (k = mode; k > 0; k--) {
		r = death(c, k) / c->a; /* term(k−1) / term(k) */
		if (r < 1 && t * r < TAIL_EPS * sum * (1 - r))
			break;
		t *= r;
		sum += t;
	}
	*lo = k;
	t = 1;
	for (k = mode;; k++) {
		r = c->a / death(c, k + 1); /* term(k+1) / term(k) */
		if (k >= c->n && r < 1 && t * r < TAIL_EPS * sum * (1 - r))
			break;
		if (k - c->n >= MAX_QUEUE_STATES)
			return ERANGE;
		t *= r;
		sum += t;
	}
	*hi = k;
	return 0;
}

/* The unnormalized terms again, the same products as chain_range(): q[j] for state
 * n+j (0 below lo), and the sum of the states below n. */
static double chain_fill(const struct chain *c, long mode, long lo, long hi, double *q)
{
	double t = 1, below = 0;
	long k;

	for (k = mode;; k--) {
		if (k >= c->n)
			q[k - c->n] = t;
		else
			below += t;
		if (k == lo)
			break;
		t *= death(c, k) / c->a;
	}
	t = 1;
	for (k = mode + 1; k <= hi; k++) {
		t *= c->a / death(c, k);
		if (k >= c->n)
			q[k - c->n] = t;
		else
			below += t;
	}
	return below;
}

/* The caller who finds j callers queued ahead (state n+j).
 *
 * While i callers are ahead it moves up at r_i = n + i·g (a service when i = 0: it
 * is answered) and abandons at g, independently of the others. It leaves i after an
 * Exp(r_i + g) time whichever way it goes, so with s_i = r_i / (r_i + g):
 *   p_j = P(answered)           = s_j · p_{j−1},                       p_{−1} = 1
 *   m_j = E[wait; answered]     = s_j · (p_{j−1} / (r_j + g) + m_{j−1}), m_{−1} = 0
 *   P(answered, wait ≤ tau)     = p_j · P(H_j ≤ tau)
 * where H_j is the sum of Exp(n + k·g), k = 1..j+1. Those rates are c + k in units of
 * g with c = n/g: H_j is the (j+1)-th death among c + j + 1 lives of rate g (Rényi),
 * so P(H_j ≤ tau) = I_x(j+1, c+1), the regularized incomplete beta at
 * x = 1 − e^(−g·tau), which equals P(Y ≥ j+1) for the negative binomial Y with
 *   P(Y = 0) = (1−x)^(c+1) = e^(−(n+g)·tau),  P(Y = k) / P(Y = k−1) = (c + k)·x / k.
 * Summing that pmf in log space as j grows gives every P(H_j ≤ tau) in one pass, with
 * no cancellation between alternating terms; as g → 0, Y tends to Poisson(n·tau) and
 * H_j to the Erlang wait of M/M/n. */
static double queue_sums(const struct chain *c, long K, double tau, const double *q, double z,
                         double *answered, double *waited)
{
	const double g = c->g, n = c->n, gt = g * tau;
	/* x and c·x = n·x/g, exact as g → 0 */
	const double x = -expm1(-gt), cx = n * (gt < 1e-10 ? tau * (1 - gt / 2) : x / g);
	double p_prev = 1, m_prev = 0, ly = -(n + g) * tau, cdf = 0, sl = 0;
	bool spent = !(tau > 0); /* P(Y > j) is 0 from here on */

	*answered = *waited = 0;
	for (long j = 0; j <= K; j++) {
		const double rj = n + j * g, s = rj / (rj + g), pi = q[j] / z;
		const double pj = s * p_prev, mj = s * (p_prev / (rj + g) + m_prev);

		*answered += pi * pj;
		*waited += pi * mj;
		p_prev = pj;
		m_prev = mj;
		if (spent)
			continue;
		if (j > 0)
			ly += log((cx + j * x) / j);
		if (ly > -746) { /* below that exp() is 0 */
			const double y = exp(ly), ratio = (cx + (j + 1) * x) / (j + 1);

			cdf += y; /* P(Y ≤ j) */
			/* Past the mode the rest of Y is below a geometric series. */
			spent = cdf >= 1 || (ratio < 1 && y * ratio < TAIL_EPS * (1 - ratio));
		}
		if (!spent)
			sl += pi * pj * (1 - cdf);
	}
	return sl;
}

static int eval_a(double a, int n, double g, double tau, double aht, struct erlang_result *r)
{
	const struct chain c = {.a = a, .g = g, .n = n};
	double *q, below, z, queued = 0, qlen = 0, answered, waited, sl;
	long mode, lo, hi, K;
	int err;

	if (a == 0) {
		r->p_wait = r->asa_s = r->abandon_rate = r->occupancy = 0;
		r->service_level = 1;
		return 0;
	}
	err = chain_mode(&c, &mode);
	if (!err)
		err = chain_range(&c, mode, &lo, &hi);
	if (err)
		return err;
	K = hi - n;
	q = calloc((size_t)(K + 1), sizeof(*q));
	if (!q)
		return ENOMEM;
	below = chain_fill(&c, mode, lo, hi, q);
	for (long j = 0; j <= K; j++) {
		queued += q[j];
		qlen += j * q[j];
	}
	z = below + queued;
	sl = below / z + queue_sums(&c, K, tau, q, z, &answered, &waited);
	answered += below / z;
	free(q);

	r->p_wait = clamp01(queued / z); /* PASTA: arrivals see the time averages */
	r->service_level = clamp01(sl);
	r->abandon_rate = clamp01(g * (qlen / z) / a); /* Little: abandons = g·E[queue] */
	r->occupancy = clamp01(a * (1 - r->abandon_rate) / n);
	r->asa_s = answered > 0 ? waited / answered * aht : 0;
	return 0;
}

/* ======================================================================
 * Evaluation and search
 * ====================================================================== */

int erlang_evaluate(const struct erlang_input *in, int agents, struct erlang_result *out)
{
	struct erlang_result r = {.agents = agents, .agents_scheduled = agents};
	double a, tau;
	int err;

	if (!out || !input_valid(in) || agents < 1 || agents > ERLANG_MAX_AGENTS)
		return EINVAL;
	a = in->calls * in->aht_s / in->interval_s;
	tau = in->target_time_s / in->aht_s;
	if (in->patience_s > 0)
		err = eval_a(a, agents, in->aht_s / in->patience_s, tau, in->aht_s, &r);
	else
		err = eval_c(a, agents, tau, in->aht_s, &r);
	if (err)
		return err;
	*out = r;
	return 0;
}

static bool meets(const struct erlang_result *r, const struct erlang_target *t)
{
	return r->service_level >= t->service_level - TARGET_SLACK &&
	       (t->max_occupancy == 0 || r->occupancy <= t->max_occupancy + TARGET_SLACK) &&
	       (t->max_abandon == 0 || r->abandon_rate <= t->max_abandon + TARGET_SLACK);
}

/* An overloaded staffing (ERANGE) simply fails the target. */
static int try_agents(const struct erlang_input *in, const struct erlang_target *t, int n,
                      struct erlang_result *r, bool *ok)
{
	int err = erlang_evaluate(in, n, r);

	*ok = false;
	if (err == ERANGE)
		return 0;
	if (!err)
		*ok = meets(r, t);
	return err;
}

int erlang_agents_needed(const struct erlang_input *in, const struct erlang_target *t,
                         struct erlang_result *out)
{
	struct erlang_result best, r;
	double a, lb;
	int bad, good = 0, n, step = 1, err;
	bool ok;

	if (!out || !input_valid(in) || !target_valid(t))
		return EINVAL;
	a = in->calls * in->aht_s / in->interval_s;
	/* Erlang C needs more agents than erlangs. Erlang A answers at most n/a of the
	 * callers, so its service level reaches the target only from n = target·a. */
	lb = in->patience_s > 0 ? ceil(t->service_level * a - 1e-9) : floor(a) + 1;
	if (lb > ERLANG_MAX_AGENTS)
		return ERANGE;
	n = lb < 1 ? 1 : (int)lb;
	bad = n - 1; /* the largest n known to fail, or below the search */

	/* Abandons shorten the queue, so Erlang A usually needs no more agents than
	 * Erlang C, which is cheap: try that first, so that the search does not
	 * evaluate Erlang A's long queues far below the answer. */
	if (in->patience_s > 0) {
		struct erlang_input c_in = *in;
		int hint;

		c_in.patience_s = 0;
		if (erlang_agents_needed(&c_in, t, &r) == 0 && r.agents > n) {
			hint = r.agents;
			err = try_agents(in, t, hint, &r, &ok);
			if (err)
				return err;
			if (ok) {
				good = hint;
				best = r;
			} else {
				bad = hint;
				n = hint + 1;
			}
		}
	}

	/* Every measure is monotone in n: double the step until the target is met, then
	 * bisect between the last failure and the first success. */
	while (!good) {
		err = try_agents(in, t, n, &r, &ok);
		if (err)
			return err;
		if (ok) {
			good = n;
			best = r;
			break;
		}
		if (n == ERLANG_MAX_AGENTS)
			return ERANGE;
		bad = n;
		n = n > ERLANG_MAX_AGENTS - step ? ERLANG_MAX_AGENTS : n + step;
		if (step < ERLANG_MAX_AGENTS / 2)
			step *= 2;
	}
	while (good - bad > 1) {
		n = bad + (good - bad) / 2;
		err = try_agents(in, t, n, &r, &ok);
		if (err)
			return err;
		if (ok) {
			good = n;
			best = r;
		} else {
			bad = n;
		}
	}
	if (erlang_schedule(best.agents, t->shrinkage, &best.agents_scheduled))
		return ERANGE;
	*out = best;
	return 0;
}
