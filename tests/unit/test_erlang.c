/* Erlang C and A: a published vector, properties of B and C, agents needed, 2 000
 * agents, Erlang A against an independent solution of its chain, bad input, the CLI. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wfm/erlang.h"

static void assert_near(double got, double want, double tol, const char *what)
{
	if (!(fabs(got - want) <= tol))
		fail_msg("%s: got %.10g, want %.10g ± %g", what, got, want, tol);
}

static void assert_sane(const struct erlang_result *r)
{
	const double shares[] = {r->p_wait, r->service_level, r->abandon_rate, r->occupancy};

	for (size_t i = 0; i < sizeof(shares) / sizeof(shares[0]); i++)
		if (!(shares[i] >= 0 && shares[i] <= 1))
			fail_msg("share %zu is %g, not in [0,1]", i, shares[i]);
	if (!(isfinite(r->asa_s) && r->asa_s >= 0))
		fail_msg("asa %g is not a finite wait", r->asa_s);
}

/* 100 calls in half an hour, 3 minutes each: 10 erlangs. */
static const struct erlang_input ten = {
        .calls = 100, .interval_s = 1800, .aht_s = 180, .target_time_s = 20};

static void test_published_vector(void **state)
{
	struct erlang_result r;

	(void)state;
	assert_int_equal(erlang_evaluate(&ten, 14, &r), 0);
	assert_int_equal(r.agents, 14);
	assert_int_equal(r.agents_scheduled, 14);
	assert_near(r.service_level, 0.8884, 0.0005, "service level");
	assert_near(r.asa_s, 7.84, 0.02, "ASA");
	/* C(10,14) = 0.1741319336 in exact rational arithmetic. */
	assert_near(r.p_wait, 0.1741319336, 1e-9, "P(wait)");
	assert_near(r.occupancy, 10.0 / 14, 1e-12, "occupancy");
	assert_near(r.abandon_rate, 0, 0, "abandon rate");
	assert_near(erlang_c(10, 14), r.p_wait, 1e-15, "erlang_c");
}

static void test_b_and_c(void **state)
{
	(void)state;
	assert_near(erlang_b(10, 10), 0.2146, 1e-4, "B(10,10)");
	assert_near(erlang_b(10, 0), 1, 0, "B(10,0)");
	assert_near(erlang_b(0, 5), 0, 0, "B(0,5)");
	for (int n = 0; n < 60; n++)
		if (!(erlang_b(10, n + 1) < erlang_b(10, n)))
			fail_msg("B(10,n) does not fall at n = %d", n);
	for (int n = 11; n < 60; n++)
		if (!(erlang_c(10, n + 1) < erlang_c(10, n)))
			fail_msg("C(10,n) does not fall at n = %d", n);
	for (int n = 11; n < 60; n++)
		if (!(erlang_c(10, n) > erlang_b(10, n)))
			fail_msg("C(10,%d) is not above B", n);
	assert_near(erlang_c(10, 10), 1, 0, "C(10,10)");
	assert_near(erlang_c(12.5, 10), 1, 0, "C(12.5,10)");
	assert_near(erlang_c(3000, 2000), 1, 0, "C(3000,2000)");
	assert_true(isnan(erlang_b(-1, 5)));
	assert_true(isnan(erlang_b(NAN, 5)));
	assert_true(isnan(erlang_c(1, -1)));
	/* B for thousands of servers: no overflow, and between its neighbours. */
	assert_true(erlang_b(1950, 2000) > 0 && erlang_b(1950, 2000) < erlang_b(1950, 1999));
}

static void test_agents_needed(void **state)
{
	struct erlang_input in = ten;
	struct erlang_target t = {.service_level = 0.85};
	struct erlang_result r, fewer;

	(void)state;
	in.target_time_s = 60;
	assert_int_equal(erlang_agents_needed(&in, &t, &r), 0);
	assert_int_equal(r.agents, 13);
	assert_int_equal(r.agents_scheduled, 13);
	assert_true(r.service_level >= 0.85);
	assert_int_equal(erlang_evaluate(&in, 12, &fewer), 0);
	assert_true(fewer.service_level < 0.85);

	/* 13 / 0.7 = 18.57 is rounded up; 14 / 0.7 is 20 even if the division says
	 * 20.000000000000004. */
	t.shrinkage = 0.3;
	assert_int_equal(erlang_agents_needed(&in, &t, &r), 0);
	assert_int_equal(r.agents, 13);
	assert_int_equal(r.agents_scheduled, 19);
	{
		int s = 0;
		assert_int_equal(erlang_schedule(14, 0.3, &s), 0);
		assert_int_equal(s, 20);
		assert_int_equal(erlang_schedule(14, 1.0, &s), EINVAL);
	}

	/* An occupancy cap can ask for more than the service level does. */
	t.shrinkage = 0;
	t.max_occupancy = 0.7;
	assert_int_equal(erlang_agents_needed(&in, &t, &r), 0);
	assert_int_equal(r.agents, 15); /* 10/14 = 0.714 > 0.7 ≥ 10/15 */

	/* A target of 0 still never gives an unstable queue. */
	t = (struct erlang_target){0};
	assert_int_equal(erlang_agents_needed(&in, &t, &r), 0);
	assert_int_equal(r.agents, 11);

	/* No calls: one agent, nobody waits. */
	in.calls = 0;
	t.service_level = 1;
	assert_int_equal(erlang_agents_needed(&in, &t, &r), 0);
	assert_int_equal(r.agents, 1);
	assert_near(r.service_level, 1, 0, "service level without calls");
}

static void test_unstable_is_erange(void **state)
{
	struct erlang_result r, before;

	(void)state;
	memset(&r, 0x5a, sizeof(r));
	before = r;
	assert_int_equal(erlang_evaluate(&ten, 10, &r), ERANGE);
	assert_int_equal(erlang_evaluate(&ten, 9, &r), ERANGE);
	assert_memory_equal(&r, &before, sizeof(r));
}

static void test_large(void **state)
{
	/* 1 950 erlangs: 19 500 calls of 180 s in 1 800 s. */
	struct erlang_input in = {
	        .calls = 19500, .interval_s = 1800, .aht_s = 180, .target_time_s = 60};
	struct erlang_target t = {.service_level = 0.85};
	struct erlang_result r, fewer;

	(void)state;
	assert_int_equal(erlang_evaluate(&in, 2000, &r), 0);
	assert_sane(&r);
	assert_near(r.occupancy, 0.975, 1e-12, "occupancy at 2000");
	assert_true(r.p_wait > 0 && r.p_wait < 1);

	in.patience_s = 120;
	assert_int_equal(erlang_evaluate(&in, 2000, &r), 0);
	assert_sane(&r);
	assert_true(r.abandon_rate > 0);
	in.patience_s = 0;

	/* About 1 900 erlangs. */
	in.calls = 19000;
	assert_int_equal(erlang_agents_needed(&in, &t, &r), 0);
	assert_sane(&r);
	assert_true(r.agents > 1900 && r.agents < 1960);
	assert_true(r.service_level >= 0.85);
	assert_int_equal(erlang_evaluate(&in, r.agents - 1, &fewer), 0);
	assert_true(fewer.service_level < 0.85);

	/* Patience as long as a call: a queue of ~285 callers who wait ~27 s, so 85 %
	 * answered within 60 s comes with 15 % abandons at 0.85·a agents; an
	 * occupancy cap makes it a staffing anyone would plan. */
	in.patience_s = 180;
	assert_int_equal(erlang_agents_needed(&in, &t, &r), 0);
	assert_sane(&r);
	assert_true(r.agents >= 1615 && r.agents <= 1620);
	assert_near(r.abandon_rate, 0.15, 2e-3, "abandons at 0.85·a");
	t.max_occupancy = 0.97;
	assert_int_equal(erlang_agents_needed(&in, &t, &r), 0);
	assert_sane(&r);
	assert_true(r.agents > 1620 && r.agents < 1960);
	assert_true(r.occupancy <= 0.97);
	assert_int_equal(erlang_evaluate(&in, r.agents - 1, &fewer), 0);
	assert_true(fewer.occupancy > 0.97);
}

static void test_erlang_a_tends_to_c(void **state)
{
	struct erlang_input in = ten;
	struct erlang_result c, a;

	(void)state;
	for (int n = 11; n <= 16; n++) {
		in.patience_s = 0;
		assert_int_equal(erlang_evaluate(&in, n, &c), 0);
		in.patience_s = 1e9;
		assert_int_equal(erlang_evaluate(&in, n, &a), 0);
		assert_near(a.p_wait, c.p_wait, 1e-4, "P(wait), patience 1e9");
		assert_near(a.service_level, c.service_level, 1e-4, "SL, patience 1e9");
		/* Near n = a even a 1e-9/s abandonment shortens the queue a little: the
		 * ASA moves by 4e-6 of itself at n = 11, and 1 000 times less with
		 * 1 000 times the patience. */
		assert_near(a.asa_s, c.asa_s, 1e-5 * c.asa_s, "ASA, patience 1e9");
		assert_near(a.occupancy, c.occupancy, 1e-4, "occupancy, patience 1e9");
		assert_near(a.abandon_rate, 0, 1e-4, "abandons, patience 1e9");
		in.patience_s = 1e12;
		assert_int_equal(erlang_evaluate(&in, n, &a), 0);
		assert_near(a.asa_s, c.asa_s, 1e-8 * c.asa_s, "ASA, patience 1e12");
		assert_near(a.service_level, c.service_level, 1e-8, "SL, patience 1e12");
	}
}

static void test_erlang_a_properties(void **state)
{
	struct erlang_input in = ten;
	struct erlang_target t = {.service_level = 0.85};
	struct erlang_result c, a;

	(void)state;
	in.target_time_s = 60;
	for (int n = 11; n <= 16; n++) {
		in.patience_s = 0;
		assert_int_equal(erlang_evaluate(&in, n, &c), 0);
		in.patience_s = 120;
		assert_int_equal(erlang_evaluate(&in, n, &a), 0);
		assert_sane(&a);
		assert_true(a.abandon_rate > 0);
		assert_true(a.p_wait < c.p_wait);
		assert_true(a.asa_s < c.asa_s);
		/* An answered share of 1 − abandons bounds the service level. */
		assert_true(a.service_level <= 1 - a.abandon_rate + 1e-12);
	}

	in.patience_s = 0;
	assert_int_equal(erlang_agents_needed(&in, &t, &c), 0);
	in.patience_s = 120;
	assert_int_equal(erlang_agents_needed(&in, &t, &a), 0);
	assert_true(a.agents <= c.agents);
	assert_true(a.service_level >= 0.85);

	/* Overloaded, Erlang A still has an answer: at least 1 − n/a hang up. */
	assert_int_equal(erlang_evaluate(&in, 8, &a), 0);
	assert_sane(&a);
	assert_true(a.abandon_rate >= 0.2);
	assert_true(a.occupancy > 0.9);
	assert_int_equal(erlang_evaluate(&in, 9, &c), 0);
	assert_true(a.p_wait > c.p_wait && a.abandon_rate > c.abandon_rate);

	/* A cap on abandons. */
	t.max_abandon = 0.01;
	assert_int_equal(erlang_agents_needed(&in, &t, &a), 0);
	assert_true(a.abandon_rate <= 0.01);
	assert_int_equal(erlang_evaluate(&in, a.agents - 1, &c), 0);
	assert_true(c.abandon_rate > 0.01 || c.service_level < 0.85);
}

/* ----------------------------------------------------------------------
 * Erlang A by brute force: the birth–death chain summed from state 0 in long double
 * over a fixed generous truncation, and the tagged caller's backward equations
 * integrated with classical Runge–Kutta, so neither the tail bounds nor the
 * uniformization of erlang.c are involved.
 * ---------------------------------------------------------------------- */

#define BF_STATES 150

struct brute {
	double p_wait, sl, abandon, asa;
};

static void rk_deriv(const double *y, double *dy, int J, int n, double mu, double th)
{
	for (int i = 0; i <= J; i++) {
		const double ri = n * mu + i * th;
		dy[i] = ri * ((i ? y[i - 1] : 1.0) - y[i]) - th * y[i];
	}
}

static void brute_force(double lam, double mu, double th, int n, double T, struct brute *b)
{
	const int J = BF_STATES - n;
	const double dt = 0.05, horizon = 1500;
	const int steps = (int)(horizon / dt + 0.5), t_steps = (int)(T / dt + 0.5);
	long double pi[BF_STATES + 1], z = 0;
	double *y = calloc(4 * (size_t)(J + 1) + 5 * (size_t)(J + 1), sizeof(double));
	double *k1 = y + (J + 1), *k2 = k1 + (J + 1), *k3 = k2 + (J + 1), *k4 = k3 + (J + 1);
	double *tmp = k4 + (J + 1), *integral = tmp + (J + 1), *at_t = integral + (J + 1);
	double below = 0, qlen = 0, answered, waited = 0;

	assert_non_null(y);
	pi[0] = 1;
	for (int k = 1; k <= BF_STATES; k++) {
		const double d = k <= n ? k * mu : n * mu + (k - n) * th;
		pi[k] = pi[k - 1] * lam / d;
	}
	for (int k = 0; k <= BF_STATES; k++)
		z += pi[k];
	for (int k = 0; k <= BF_STATES; k++)
		pi[k] /= z;
	assert_true(pi[BF_STATES] < 1e-20L);
	for (int k = 0; k < n; k++)
		below += (double)pi[k];
	for (int j = 0; j <= J; j++)
		qlen += j * (double)pi[n + j];

	/* y_i(t) = P(answered by t | i ahead); integral_i = ∫ y_i dt (trapezoid on the
	 * RK4 grid, whose error at this step is far below the tolerances). */
	for (int s = 0; s < steps; s++) {
		rk_deriv(y, k1, J, n, mu, th);
		for (int i = 0; i <= J; i++)
			tmp[i] = y[i] + dt / 2 * k1[i];
		rk_deriv(tmp, k2, J, n, mu, th);
		for (int i = 0; i <= J; i++)
			tmp[i] = y[i] + dt / 2 * k2[i];
		rk_deriv(tmp, k3, J, n, mu, th);
		for (int i = 0; i <= J; i++)
			tmp[i] = y[i] + dt * k3[i];
		rk_deriv(tmp, k4, J, n, mu, th);
		for (int i = 0; i <= J; i++) {
			const double next = y[i] + dt / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
			integral[i] += dt / 2 * (y[i] + next);
			y[i] = next;
		}
		if (s + 1 == t_steps)
			memcpy(at_t, y, (size_t)(J + 1) * sizeof(double));
	}

	b->p_wait = 1 - below;
	b->sl = below;
	answered = below;
	for (int j = 0; j <= J; j++) {
		const double w = (double)pi[n + j];
		b->sl += w * at_t[j];
		answered += w * y[j];
		/* E[S; answered] = ∫ (y(∞) − y(t)) dt */
		waited += w * (horizon * y[j] - integral[j]);
	}
	b->abandon = th * qlen / lam;
	b->asa = waited / answered;
	/* The same abandon rate, counted per caller instead of by Little's law. */
	assert_near(1 - answered, b->abandon, 1e-6, "brute force abandons two ways");
	free(y);
}

static void test_erlang_a_brute_force(void **state)
{
	/* 5 agents, 4 erlangs (80 calls of 180 s in 3 600 s), patience 120 s, T = 20 s. */
	const struct erlang_input in = {.calls = 80,
	                                .interval_s = 3600,
	                                .aht_s = 180,
	                                .target_time_s = 20,
	                                .patience_s = 120};
	struct erlang_result r;
	struct brute b;

	(void)state;
	brute_force(80.0 / 3600, 1.0 / 180, 1.0 / 120, 5, 20, &b);
	assert_int_equal(erlang_evaluate(&in, 5, &r), 0);
	assert_near(r.p_wait, b.p_wait, 1e-9, "P(wait) against brute force");
	assert_near(r.abandon_rate, b.abandon, 1e-9, "abandons against brute force");
	assert_near(r.service_level, b.sl, 1e-5, "SL against brute force");
	assert_near(r.asa_s, b.asa, 1e-3, "ASA against brute force");
	assert_near(r.occupancy, 4 * (1 - b.abandon) / 5, 1e-9, "occupancy");

	/* A service level time longer than the patience. */
	{
		struct erlang_input longer = in;
		longer.target_time_s = 200;
		brute_force(80.0 / 3600, 1.0 / 180, 1.0 / 120, 5, 200, &b);
		assert_int_equal(erlang_evaluate(&longer, 5, &r), 0);
		assert_near(r.service_level, b.sl, 1e-5, "SL in 200 s against brute force");
	}

	/* Overloaded: 3 agents for the same 4 erlangs. */
	brute_force(80.0 / 3600, 1.0 / 180, 1.0 / 120, 3, 20, &b);
	assert_int_equal(erlang_evaluate(&in, 3, &r), 0);
	assert_near(r.p_wait, b.p_wait, 1e-9, "P(wait) overloaded");
	assert_near(r.abandon_rate, b.abandon, 1e-9, "abandons overloaded");
	assert_near(r.service_level, b.sl, 1e-5, "SL overloaded");
	assert_near(r.asa_s, b.asa, 1e-3, "ASA overloaded");
}

static void test_invalid(void **state)
{
	const struct erlang_target ok_t = {.service_level = 0.85};
	struct erlang_input in;
	struct erlang_target t;
	struct erlang_result r, before;

	(void)state;
	memset(&r, 0x5a, sizeof(r));
	before = r;

	in = ten;
	in.calls = -1;
	assert_int_equal(erlang_evaluate(&in, 14, &r), EINVAL);
	assert_int_equal(erlang_agents_needed(&in, &ok_t, &r), EINVAL);
	in = ten;
	in.interval_s = 0;
	assert_int_equal(erlang_evaluate(&in, 14, &r), EINVAL);
	assert_int_equal(erlang_agents_needed(&in, &ok_t, &r), EINVAL);
	in = ten;
	in.aht_s = 0;
	assert_int_equal(erlang_evaluate(&in, 14, &r), EINVAL);
	assert_int_equal(erlang_agents_needed(&in, &ok_t, &r), EINVAL);
	in = ten;
	in.target_time_s = -1;
	assert_int_equal(erlang_evaluate(&in, 14, &r), EINVAL);
	in = ten;
	in.patience_s = -5;
	assert_int_equal(erlang_evaluate(&in, 14, &r), EINVAL);
	in = ten;
	in.calls = NAN;
	assert_int_equal(erlang_evaluate(&in, 14, &r), EINVAL);
	in = ten;
	in.aht_s = INFINITY;
	assert_int_equal(erlang_evaluate(&in, 14, &r), EINVAL);
	assert_int_equal(erlang_evaluate(&ten, 0, &r), EINVAL);
	assert_int_equal(erlang_evaluate(&ten, ERLANG_MAX_AGENTS + 1, &r), EINVAL);
	assert_int_equal(erlang_evaluate(NULL, 14, &r), EINVAL);

	t = ok_t;
	t.shrinkage = 1;
	assert_int_equal(erlang_agents_needed(&ten, &t, &r), EINVAL);
	t.shrinkage = 1.5;
	assert_int_equal(erlang_agents_needed(&ten, &t, &r), EINVAL);
	t = ok_t;
	t.service_level = 1.01;
	assert_int_equal(erlang_agents_needed(&ten, &t, &r), EINVAL);
	t.service_level = -0.1;
	assert_int_equal(erlang_agents_needed(&ten, &t, &r), EINVAL);
	t = ok_t;
	t.max_occupancy = 1.2;
	assert_int_equal(erlang_agents_needed(&ten, &t, &r), EINVAL);
	t = ok_t;
	t.max_abandon = NAN;
	assert_int_equal(erlang_agents_needed(&ten, &t, &r), EINVAL);
	assert_int_equal(erlang_agents_needed(&ten, NULL, &r), EINVAL);

	assert_memory_equal(&r, &before, sizeof(r));
	assert_int_equal(erlang_evaluate(&ten, 14, NULL), EINVAL);
	assert_int_equal(erlang_agents_needed(&ten, &ok_t, NULL), EINVAL);
}

/* ----------------------------------------------------------------------
 * The CLI
 * ---------------------------------------------------------------------- */

#define CLI(...)                                                                                   \
	erlang_cli((int)(sizeof((char *[]){__VA_ARGS__}) / sizeof(char *)), (char *[]){__VA_ARGS__})

static void test_cli_errors(void **state)
{
	(void)state;
	assert_int_equal(CLI("erlang", "--calls", "100", "--interval", "1800", "--aht", "abc",
	                     "--target-sl", "0.8", "--target-time", "20"),
	                 2);
	assert_int_equal(CLI("erlang", "--calls", "100", "--interval", "1800", "--aht", "180",
	                     "--target-sl", "85", "--target-time", "20"),
	                 2);
	assert_int_equal(CLI("erlang", "--calls", "100", "--interval", "1800", "--aht", "180",
	                     "--target-time", "20"),
	                 2);
	assert_int_equal(CLI("erlang", "--calls", "100", "--interval", "1800", "--aht", "180",
	                     "--target-sl", "0.8", "--target-time", "20", "--agnets", "14"),
	                 2);
	assert_int_equal(CLI("erlang", "--calls", "100", "--interval", "1800", "--aht", "180",
	                     "--target-time", "20", "--agents", "14.5"),
	                 2);
	assert_int_equal(CLI("erlang", "--calls", "100", "--interval", "1800", "--aht", "180",
	                     "--target-time", "20", "--agents", "10"),
	                 2);
	assert_int_equal(CLI("erlang", "--calls", "100", "--interval", "1800", "--aht"), 2);
}

/* Runs the CLI with stdout in a temporary file and returns what it printed. */
static char *cli_stdout(int argc, char **argv, int *rc)
{
	FILE *tf = tmpfile();
	int saved;
	long len;
	char *buf;

	assert_non_null(tf);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tf), STDOUT_FILENO) >= 0);
	*rc = erlang_cli(argc, argv);
	fflush(stdout);
	assert_true(dup2(saved, STDOUT_FILENO) >= 0);
	close(saved);
	len = ftell(tf);
	assert_true(len >= 0);
	buf = calloc((size_t)len + 1, 1);
	assert_non_null(buf);
	rewind(tf);
	assert_int_equal(fread(buf, 1, (size_t)len, tf), (size_t)len);
	fclose(tf);
	return buf;
}

static void test_cli_json(void **state)
{
	char *argv[] = {"erlang", "--calls", "100",         "--interval", "1800",
	                "--aht",  "180",     "--target-sl", "0.8",        "--target-time",
	                "20",     "--json",  "--shrinkage", "0.3"};
	json_error_t je;
	json_t *o;
	char *out;
	int rc;

	(void)state;
	out = cli_stdout((int)(sizeof(argv) / sizeof(argv[0])), argv, &rc);
	assert_int_equal(rc, 0);
	o = json_loads(out, 0, &je);
	if (!o)
		fail_msg("not JSON: %s (%s)", out, je.text);
	assert_int_equal(json_object_size(o), 8);
	assert_int_equal(json_integer_value(json_object_get(o, "agents")), 14);
	assert_int_equal(json_integer_value(json_object_get(o, "agents_scheduled")), 20);
	assert_near(json_real_value(json_object_get(o, "offered_erlangs")), 10, 1e-9, "erlangs");
	assert_near(json_real_value(json_object_get(o, "service_level")), 0.8884, 5e-4, "sl");
	assert_near(json_real_value(json_object_get(o, "asa")), 7.84, 0.02, "asa");
	assert_true(json_is_real(json_object_get(o, "p_wait")));
	assert_true(json_is_real(json_object_get(o, "occupancy")));
	assert_true(json_is_real(json_object_get(o, "abandon_rate")));
	json_decref(o);
	free(out);

	{
		char *help[] = {"erlang", "--help"};
		out = cli_stdout(2, help, &rc);
		assert_int_equal(rc, 0);
		assert_non_null(strstr(out, "--target-sl"));
		free(out);
	}
	{
		char *sum[] = {"erlang", "--calls",       "100", "--interval", "1800", "--aht",
		               "180",    "--target-time", "20",  "--agents",   "14",   "--patience",
		               "120"};
		out = cli_stdout((int)(sizeof(sum) / sizeof(sum[0])), sum, &rc);
		assert_int_equal(rc, 0);
		assert_non_null(strstr(out, "Agenter: 14 i telefon"));
		assert_non_null(strstr(out, "Avbrutna samtal"));
		free(out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_published_vector),
	        cmocka_unit_test(test_b_and_c),
	        cmocka_unit_test(test_agents_needed),
	        cmocka_unit_test(test_unstable_is_erange),
	        cmocka_unit_test(test_large),
	        cmocka_unit_test(test_erlang_a_tends_to_c),
	        cmocka_unit_test(test_erlang_a_properties),
	        cmocka_unit_test(test_erlang_a_brute_force),
	        cmocka_unit_test(test_invalid),
	        cmocka_unit_test(test_cli_errors),
	        cmocka_unit_test(test_cli_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
