/* The simulator against Erlang C and Erlang A, its determinism, the day replay and the CLI.
 *
 * The key check: the real ACD engine, driven by Poisson callers with exponential
 * talk times (and exponential patience for Erlang A), must give the service level
 * within 1 percentage point and the ASA within 5 % of what wfm/erlang.h computes,
 * over a grid of team sizes and loads. Runs are long enough that the sampling
 * error (measured below with independent replications) is well inside that. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "acd/sim.h"
#include "wfm/erlang.h"

#define AHT    180.0
#define TARGET 60.0

struct scenario {
	int agents;
	double rho;      /* offered load per agent */
	double patience; /* 0 = Erlang C */
	double hours;    /* measured; chosen so the sampling error is small (see above) */
};

/* Hours per scenario, from the spread of 8 independent replications per
 * scenario (docs/statistics.md): long enough that the standard error of SL is
 * about 0.004 and that of ASA about 2/5 of its tolerance, so each check holds
 * with some 2.5 standard errors to spare. Small teams near ρ = 1 and ASAs of a
 * few seconds (a mean of rare long waits) need by far the most calls. */
static const struct scenario grid[] = {
        {5, 0.70, 0, 8600},    {5, 0.85, 0, 11800},  {5, 0.95, 0, 14800},  {20, 0.70, 0, 900},
        {20, 0.85, 0, 10000},  {20, 0.95, 0, 16800}, {70, 0.70, 0, 100},   {70, 0.85, 0, 2100},
        {70, 0.95, 0, 8000},   {5, 0.95, 120, 2100}, {20, 0.95, 300, 800}, {20, 1.10, 120, 450},
        {70, 0.95, 300, 1000}, {5, 0.85, 300, 1800},
};

/* Under AddressSanitizer the engine runs about 9 times slower. The numbers are
 * the same in every build (the simulation is deterministic), so a sanitized
 * build runs each scenario for a tenth of the time with three times the
 * tolerance: the standard error grows by √10 ≈ 3.2, so the margin in standard
 * errors stays about the same, and the memory checks still see every path.
 * LOTSEN_SIM_FULL=1 runs the full lengths anyway. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

static double calls_per_hour(const struct scenario *s)
{
	return s->rho * s->agents * 3600.0 / AHT;
}

static void run_scenario(const struct scenario *sc, double scale, uint64_t seed,
                         struct acd_sim_result *r)
{
	struct acd_sim_cfg c = {
	        .agents = sc->agents,
	        .calls_per_hour = calls_per_hour(sc),
	        .aht_s = AHT,
	        .patience_s = sc->patience,
	        .hours = fmax(sc->hours * scale, fmin(sc->hours, 50)),
	        .warmup_s = -1,
	        .target_time_s = TARGET,
	        .short_abandon_ms = 0,
	        .seed = seed,
	};

	assert_int_equal(acd_sim_run(&c, r), 0);
}

static void erlang_for(const struct scenario *sc, struct erlang_result *e)
{
	struct erlang_input in = {
	        .calls = calls_per_hour(sc),
	        .interval_s = 3600,
	        .aht_s = AHT,
	        .target_time_s = TARGET,
	        .patience_s = sc->patience,
	};

	assert_int_equal(erlang_evaluate(&in, sc->agents, e), 0);
}

static void test_sim_matches_erlang(void **state)
{
	const char *full = getenv("LOTSEN_SIM_FULL");
	double scale = SANITIZED && !(full && strcmp(full, "1") == 0) ? 0.1 : 1.0;
	double widen = scale < 1 ? 3.0 : 1.0;
	int failures = 0;
	clock_t t0 = clock();

	(void)state;
	if (scale < 1)
		printf("  sanitized build: a tenth of the hours, three times the tolerance\n");
	printf("  agents   rho  patience   hours |  SL sim  SL erl |  ASA sim  ASA erl |"
	       " aband sim  erl |  occ sim  erl\n");
	for (size_t i = 0; i < sizeof(grid) / sizeof(grid[0]); i++) {
		const struct scenario *sc = &grid[i];
		struct acd_sim_result r;
		struct erlang_result e;
		bool ok;
		double asa_tol;

		run_scenario(sc, scale, 1000 + i, &r);
		erlang_for(sc, &e);
		/* A short ASA is a mean of mostly zeros and a few long waits from rare
		 * busy spells; 5 % of it is far below the mean's own sampling noise over
		 * any run a unit test can afford (70 agents at ρ = 0.85: ASA 2.2 s, and
		 * 5 % would take some 19 million calls). So the tolerance is 5 % or
		 * 0.3 s, whichever is larger: 0.3 s below 6 s of ASA. */
		asa_tol = widen * fmax(0.05 * e.asa_s, 0.3);
		ok = fabs(r.service_level - e.service_level) <= widen * 0.01 &&
		     fabs(r.asa_s - e.asa_s) <= asa_tol &&
		     (sc->patience == 0 || fabs(r.abandon_rate - e.abandon_rate) <= widen * 0.01) &&
		     r.offered == r.answered + r.abandoned;
		printf("  %6d %5.2f %9.0f %7.0f | %6.4f  %6.4f | %8.2f %8.2f | %9.4f %6.4f | %6.4f "
		       "%6.4f%s\n",
		       sc->agents, sc->rho, sc->patience,
		       fmax(sc->hours * scale, fmin(sc->hours, 50)), r.service_level,
		       e.service_level, r.asa_s, e.asa_s, r.abandon_rate, e.abandon_rate,
		       r.occupancy, e.occupancy, ok ? "" : "  <-- outside tolerance");
		failures += !ok;
		/* With T = 60 s the direct count and acd_stats' answered_60 agree exactly. */
		assert_float_equal(r.service_level, r.service_level_60, 1e-12);
		if (sc->patience == 0)
			assert_int_equal(r.abandoned, 0);
		/* Occupancy is the carried load per agent. */
		assert_true(fabs(r.occupancy - e.occupancy) <= widen * 0.01);
	}
	printf("  (%.1f s CPU)\n", (double)(clock() - t0) / CLOCKS_PER_SEC);
	assert_int_equal(failures, 0);
}

static void test_deterministic_by_seed(void **state)
{
	const struct scenario sc = {20, 0.9, 200, 50};
	struct acd_sim_result a, b, c;

	(void)state;
	run_scenario(&sc, 1, 42, &a);
	run_scenario(&sc, 1, 42, &b);
	run_scenario(&sc, 1, 43, &c);
	assert_int_equal(a.offered, b.offered);
	assert_int_equal(a.answered, b.answered);
	assert_int_equal(a.abandoned, b.abandoned);
	assert_true(a.service_level == b.service_level && a.asa_s == b.asa_s &&
	            a.occupancy == b.occupancy);
	assert_true(a.offered != c.offered || a.asa_s != c.asa_s);
	/* Arrivals over 50 h at 360/h: Poisson, so within a few standard deviations. */
	assert_true(abs(a.offered - 18000) < 5 * 135);
}

static void test_short_abandons_and_wrapup(void **state)
{
	struct acd_sim_cfg c = {
	        .agents = 10,
	        .calls_per_hour = 190,
	        .aht_s = 170,
	        .wrapup_s = 10,
	        .patience_s = 60,
	        .hours = 100,
	        .warmup_s = 0,
	        .target_time_s = 20,
	        .short_abandon_ms = 5000,
	        .seed = 7,
	};
	struct acd_sim_result r, r0;

	(void)state;
	assert_int_equal(acd_sim_run(&c, &r), 0);
	c.short_abandon_ms = 0;
	assert_int_equal(acd_sim_run(&c, &r0), 0);
	/* Same callers; the short abandons move out of offered and abandoned only. */
	assert_true(r.short_abandoned > 0);
	assert_int_equal(r0.short_abandoned, 0);
	assert_int_equal(r.offered + r.short_abandoned, r0.offered);
	assert_int_equal(r.abandoned + r.short_abandoned, r0.abandoned);
	assert_int_equal(r.answered, r0.answered);
	/* AHT counts the 10 s wrap-up; occupancy too. */
	assert_true(fabs(r.aht_s - 180) < 5);
	assert_true(r.occupancy > 0.8 && r.occupancy < 0.96);
	assert_float_equal(r.warmup_s, 0, 0);
	assert_true(r.service_level < r.service_level_60);
}

static void test_bad_config(void **state)
{
	struct acd_sim_cfg c = {.agents = 1, .calls_per_hour = 10, .aht_s = 100, .hours = 1};
	struct acd_sim_result r;

	(void)state;
	assert_int_equal(acd_sim_run(NULL, &r), EINVAL);
	assert_int_equal(acd_sim_run(&c, NULL), EINVAL);
	c.agents = 0;
	assert_int_equal(acd_sim_run(&c, &r), EINVAL);
	c.agents = 1;
	c.aht_s = NAN;
	assert_int_equal(acd_sim_run(&c, &r), EINVAL);
	c.aht_s = 100;
	c.patience_s = -1;
	assert_int_equal(acd_sim_run(&c, &r), EINVAL);
	c.patience_s = 0;
	assert_int_equal(acd_sim_run(&c, &r), 0);
	assert_float_equal(acd_sim_warmup_s(10), 3600, 0);
	assert_float_equal(acd_sim_warmup_s(1000), 180000, 0);
	assert_float_equal(acd_sim_warmup_s(1001), 180900, 0);
}

/* A Monday with two groups: Bygglov open 08–16 overflowing to Växeln after 5
 * minutes' wait, offering callbacks; Växeln open 07–18. Callers phone 06–20. */
static const char *day_json =
        "{\"date\":\"2026-03-02\",\"short_abandon_s\":5,\"callback_accept\":0.6,"
        "\"callback_answer\":0.8,"
        "\"groups\":["
        "{\"id\":1,\"name\":\"Bygglov\",\"hours\":{\"weekly\":{\"mon\":[[\"08:00\",\"16:00\"]]}},"
        "\"overflow_group\":2,\"max_wait_s\":300,\"callback_offer_s\":240,\"wrapup_s\":30,"
        "\"aht_s\":240,\"patience_s\":400,\"priority\":1,"
        "\"calls_per_hour\":[0,0,0,0,0,0,5,10,60,70,60,50,50,60,50,40,10,5,5,5,0,0,0,0]},"
        "{\"id\":2,\"name\":\"Växeln\",\"hours\":{\"weekly\":{\"mon\":[[\"07:00\",\"18:00\"]]}},"
        "\"wrapup_s\":10,\"aht_s\":90,\"patience_s\":200,"
        "\"calls_per_hour\":[0,0,0,0,0,0,0,20,80,80,80,80,80,80,80,80,60,40,0,0,0,0,0,0]}],"
        "\"agents\":["
        "{\"id\":1,\"groups\":[{\"group\":1,\"level\":1}],\"login\":\"08:00\",\"logout\":\"16:00\"}"
        ","
        "{\"id\":2,\"groups\":[{\"group\":1,\"level\":1}],\"login\":\"08:00\",\"logout\":\"16:00\"}"
        ","
        "{\"id\":3,\"groups\":[{\"group\":1,\"level\":1},{\"group\":2,\"level\":2}],"
        "\"login\":\"08:00\",\"logout\":\"16:00\"},"
        "{\"id\":4,\"groups\":[{\"group\":2,\"level\":1}],\"login\":\"07:00\",\"logout\":\"12:30\"}"
        ","
        "{\"id\":5,\"groups\":[{\"group\":2,\"level\":1}],\"login\":\"07:00\",\"logout\":\"15:30\"}"
        ","
        "{\"id\":6,\"groups\":[{\"group\":2,\"level\":1}],\"login\":\"12:00\",\"logout\":\"18:00\"}"
        ","
        "{\"id\":7,\"groups\":[{\"group\":2,\"level\":1},{\"group\":1,\"level\":2}],"
        "\"login\":\"09:00\",\"logout\":\"17:00\"}]}";

static void test_replay_day(void **state)
{
	struct acd_sim_group_result *r = NULL, *r2 = NULL;
	json_error_t jerr;
	json_t *conf = json_loads(day_json, 0, &jerr);
	char err[200];
	int n = 0, n2 = 0;

	(void)state;
	assert_non_null(conf);
	assert_int_equal(acd_sim_replay(conf, 5, &r, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_int_equal(r[0].group, 1);
	assert_string_equal(r[1].name, "Växeln");
	/* Bygglov's callers before 08 and after 16 are overflowed to Växeln (open),
	 * those after 18 are closed; a queue that long offers callbacks and
	 * overflows on max wait. */
	assert_true(r[0].t.overflowed > 0);
	assert_true(r[0].t.callbacks_requested > 0);
	assert_true(r[0].t.callbacks_answered > 0);
	assert_true(r[0].t.closed > 0);
	assert_true(r[0].t.offered > 200);
	assert_true(r[1].t.offered > 600);
	assert_true(r[0].t.answered > 0 && r[1].t.answered > 0);
	assert_true(r[0].t.aht_s > 200 && r[0].t.aht_s < 330);
	for (int g = 0; g < n; g++)
		/* Every call queued in a group leaves it in exactly one way. */
		assert_true(r[g].t.answered + r[g].t.abandoned <= r[g].t.offered);
	/* Same seed, same day. */
	assert_int_equal(acd_sim_replay(conf, 5, &r2, &n2, err, sizeof(err)), 0);
	assert_memory_equal(r, r2, sizeof(*r) * (size_t)n);
	free(r);
	free(r2);
	json_decref(conf);
}

static void test_replay_errors(void **state)
{
	static const struct {
		const char *json, *msg;
	} bad[] = {
	        {"[]", "configuration"},
	        {"{\"date\":\"2026-02-30\",\"groups\":[]}", "date"},
	        {"{\"date\":\"2026-03-02\",\"groups\":[]}", "groups"},
	        {"{\"date\":\"2026-03-02\",\"groups\":[{\"id\":1}]}", "groups[0].calls_per_hour"},
	        {"{\"date\":\"2026-03-02\",\"groups\":[{\"id\":1,\"wrapup_s\":-1}]}",
	         "groups[0].wrapup_s"},
	        {"{\"date\":\"2026-03-02\",\"groups\":[{\"id\":1,\"hours\":{\"weekly\":{\"mon\":[["
	         "\"08:00\",\"25:00\"]]}},\"calls_per_hour\":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,"
	         "0,0,0,0,0,0]}]}",
	         "groups[0].hours"},
	        {"{\"date\":\"2026-03-02\",\"groups\":[{\"id\":1,\"overflow_group\":9,"
	         "\"calls_per_hour\":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]}]}",
	         "groups[0].overflow_group"},
	        {"{\"date\":\"2026-03-02\",\"groups\":[{\"id\":1,\"calls_per_hour\":[0,0,0,0,0,0,0,"
	         "0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]}],\"agents\":[{\"id\":1,\"groups\":[{"
	         "\"group\":"
	         "2}]}]}",
	         "agents[0].groups[0].group"},
	        {"{\"date\":\"2026-03-02\",\"groups\":[{\"id\":1,\"calls_per_hour\":[0,0,0,0,0,0,0,"
	         "0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]}],\"agents\":[{\"id\":1,\"groups\":[{"
	         "\"group\":"
	         "1}],\"login\":\"8\"}]}",
	         "agents[0].login"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct acd_sim_group_result *r = NULL;
		json_t *conf = json_loads(bad[i].json, 0, NULL);
		char err[200];
		int n = 0;

		assert_non_null(conf);
		assert_int_equal(acd_sim_replay(conf, 1, &r, &n, err, sizeof(err)), EINVAL);
		assert_null(r);
		if (strncmp(err, bad[i].msg, strlen(bad[i].msg)) != 0)
			fail_msg("case %zu: \"%s\" does not start with \"%s\"", i, err, bad[i].msg);
		json_decref(conf);
	}
}

/* Run the CLI with stdout and stderr captured into files; returns the exit status. */
static int cli(char *out, size_t outn, const char *const *args)
{
	char *argv[32];
	int argc = 0, code, saved_out, saved_err;
	FILE *fo = tmpfile(), *fe = tmpfile();
	size_t got;

	assert_non_null(fo);
	assert_non_null(fe);
	while (args[argc]) {
		argv[argc] = (char *)args[argc];
		argc++;
	}
	argv[argc] = NULL;
	fflush(stdout);
	fflush(stderr);
	saved_out = dup(1);
	saved_err = dup(2);
	dup2(fileno(fo), 1);
	dup2(fileno(fe), 2);
	code = simulate_cli(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	rewind(fo);
	rewind(fe);
	got = fread(out, 1, outn - 1, code == 2 ? fe : fo);
	out[got] = '\0';
	fclose(fo);
	fclose(fe);
	return code;
}

static void test_cli(void **state)
{
	static const char *const json_run[] = {
	        "simulate", "--agents",      "10",  "--calls-per-hour", "150", "--aht",
	        "180",      "--patience",    "120", "--hours",          "20",  "--seed",
	        "3",        "--target-time", "20",  "--json",           NULL};
	static const char *const text_run[] = {"simulate", "--agents", "3",   "--calls-per-hour",
	                                       "40",       "--aht",    "180", "--hours",
	                                       "5",        NULL};
	static const struct {
		const char *const argv[8];
		const char *flag;
	} bad[] = {
	        {{"simulate", "--agents", "0", "--calls-per-hour", "10", "--aht", "100", NULL},
	         "--agents"},
	        {{"simulate", "--agents", "2x", "--calls-per-hour", "10", "--aht", "100", NULL},
	         "--agents"},
	        {{"simulate", "--agents", "2", "--calls-per-hour", "-1", "--aht", "100", NULL},
	         "--calls-per-hour"},
	        {{"simulate", "--agents", "2", "--calls-per-hour", "10", "--aht", "nan", NULL},
	         "--aht"},
	        {{"simulate", "--agents", "2", "--calls-per-hour", "10", NULL}, "--aht"},
	        {{"simulate", "--agents", "2", "--bogus", "1", NULL}, "--bogus"},
	        {{"simulate", "--agents", NULL}, "--agents"},
	        {{"simulate", "--seed", "-4", NULL}, "--seed"},
	        {{"simulate", "--config", "/nonexistent/day.json", NULL}, "--config"},
	};
	char out[4096];
	json_t *o;
	json_error_t jerr;
	const char *keys[] = {"offered", "answered",     "abandoned", "service_level",
	                      "asa",     "abandon_rate", "occupancy"};
	const char *help[] = {"simulate", "--help", NULL};

	(void)state;
	assert_int_equal(cli(out, sizeof(out), json_run), 0);
	o = json_loads(out, 0, &jerr);
	if (!o)
		fail_msg("not one JSON object: %s (%s)", out, jerr.text);
	assert_int_equal(json_object_size(o), 7);
	for (size_t i = 0; i < 7; i++)
		assert_non_null(json_object_get(o, keys[i]));
	assert_true(json_integer_value(json_object_get(o, "offered")) > 2000);
	assert_true(json_real_value(json_object_get(o, "abandon_rate")) > 0);
	json_decref(o);

	assert_int_equal(cli(out, sizeof(out), text_run), 0);
	assert_non_null(strstr(out, "Servicenivå"));
	assert_non_null(strstr(out, "Beläggning"));

	assert_int_equal(cli(out, sizeof(out), help), 0);
	assert_non_null(strstr(out, "--calls-per-hour"));

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(cli(out, sizeof(out), bad[i].argv), 2);
		if (!strstr(out, bad[i].flag))
			fail_msg("case %zu: \"%s\" does not name %s", i, out, bad[i].flag);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_bad_config),
	        cmocka_unit_test(test_deterministic_by_seed),
	        cmocka_unit_test(test_short_abandons_and_wrapup),
	        cmocka_unit_test(test_replay_day),
	        cmocka_unit_test(test_replay_errors),
	        cmocka_unit_test(test_cli),
	        cmocka_unit_test(test_sim_matches_erlang),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
