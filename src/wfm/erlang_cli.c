/* `lotsen erlang`: agents needed for a call load, or what a given staffing gives. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "wfm/erlang.h"

static const char usage_text[] =
        "usage: lotsen erlang --calls N --interval S --aht S --target-sl P --target-time S\n"
        "                     [--patience S] [--shrinkage P] [--max-occupancy P]\n"
        "                     [--max-abandon P] [--agents N] [--json]\n"
        "\n"
        "Without --agents: the fewest agents meeting the target. With --agents: what that\n"
        "staffing gives (--target-sl is then optional).\n"
        "\n"
        "  --calls N          calls offered in the interval, >= 0\n"
        "  --interval S       interval length in seconds, > 0 (e.g. 1800)\n"
        "  --aht S            average handle time in seconds (talk + wrap-up), > 0\n"
        "  --target-sl P      share to answer within --target-time, 0 < P <= 1 (e.g. 0.85)\n"
        "  --target-time S    service level time in seconds, >= 0 (e.g. 60)\n"
        "  --patience S       mean patience in seconds: Erlang A with abandons;\n"
        "                     without it Erlang C (nobody hangs up)\n"
        "  --shrinkage P      share of scheduled time off the phones, 0 <= P < 1 (e.g. 0.3)\n"
        "  --max-occupancy P  highest occupancy allowed, 0 < P <= 1 (e.g. 0.9)\n"
        "  --max-abandon P    highest abandon rate allowed, 0 < P <= 1 (Erlang A)\n"
        "  --agents N         evaluate N agents on the phones, 1 to 1000000\n"
        "  --json             print one JSON object instead of the summary\n";

enum flag_id {
	F_CALLS,
	F_INTERVAL,
	F_AHT,
	F_TARGET_SL,
	F_TARGET_TIME,
	F_PATIENCE,
	F_SHRINKAGE,
	F_MAX_OCCUPANCY,
	F_MAX_ABANDON,
	F_AGENTS,
	F_COUNT
};

/* A flag with a value, and the range it accepts. */
struct flag {
	const char *name; /* with the dashes */
	double lo, hi;    /* accepted range */
	bool lo_open;     /* lo itself is not accepted */
	bool hi_open;     /* hi itself is not accepted */
	bool whole;       /* a whole number */
	const char *what; /* what is accepted, for the error message */
};

static const struct flag flags[F_COUNT] = {
        [F_CALLS] = {"--calls", 0, HUGE_VAL, false, true, false, "a number of calls >= 0"},
        [F_INTERVAL] = {"--interval", 0, HUGE_VAL, true, true, false, "a number of seconds > 0"},
        [F_AHT] = {"--aht", 0, HUGE_VAL, true, true, false, "a number of seconds > 0"},
        [F_TARGET_SL] = {"--target-sl", 0, 1, true, false, false,
                         "a share > 0 and <= 1, e.g. 0.85"},
        [F_TARGET_TIME] = {"--target-time", 0, HUGE_VAL, false, true, false,
                           "a number of seconds >= 0"},
        [F_PATIENCE] = {"--patience", 0, HUGE_VAL, true, true, false, "a number of seconds > 0"},
        [F_SHRINKAGE] = {"--shrinkage", 0, 1, false, true, false, "a share >= 0 and < 1, e.g. 0.3"},
        [F_MAX_OCCUPANCY] = {"--max-occupancy", 0, 1, true, false, false,
                             "a share > 0 and <= 1, e.g. 0.9"},
        [F_MAX_ABANDON] = {"--max-abandon", 0, 1, true, false, false,
                           "a share > 0 and <= 1, e.g. 0.05"},
        [F_AGENTS] = {"--agents", 1, ERLANG_MAX_AGENTS, false, false, true,
                      "a whole number of agents from 1 to 1000000"},
};

static int parse_value(const struct flag *f, const char *s, double *out)
{
	char *end = NULL;
	double x = NAN;

	errno = 0;
	if (*s && !isspace((unsigned char)*s)) {
		if (f->whole) {
			long l = strtol(s, &end, 10);
			x = (double)l;
		} else {
			x = strtod(s, &end);
		}
	}
	if (!end || end == s || *end || errno || !isfinite(x) ||
	    (f->lo_open ? x <= f->lo : x < f->lo) || (f->hi_open ? x >= f->hi : x > f->hi)) {
		fprintf(stderr, "lotsen erlang: %s: \"%s\" is not %s\n", f->name, s, f->what);
		return 2;
	}
	*out = x;
	return 0;
}

static int find_flag(const char *arg, size_t len)
{
	for (int i = 0; i < F_COUNT; i++)
		if (strlen(flags[i].name) == len && memcmp(flags[i].name, arg, len) == 0)
			return i;
	return -1;
}

/* A number with a Swedish decimal comma. */
static const char *sv(char *buf, size_t n, double x, int decimals)
{
	char *dot;

	snprintf(buf, n, "%.*f", decimals, x);
	dot = strchr(buf, '.');
	if (dot)
		*dot = ',';
	return buf;
}

/* Whole numbers as such, others with a decimal. */
static int places(double x)
{
	return x == floor(x) ? 0 : 1;
}

static int print_json(const struct erlang_result *r, double a)
{
	json_t *o = json_pack("{s:i,s:i,s:f,s:f,s:f,s:f,s:f,s:f}", "agents", r->agents,
	                      "agents_scheduled", r->agents_scheduled, "offered_erlangs", a,
	                      "p_wait", r->p_wait, "service_level", r->service_level, "asa",
	                      r->asa_s, "occupancy", r->occupancy, "abandon_rate", r->abandon_rate);
	char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(8))
	            : NULL;

	json_decref(o);
	if (!s) {
		fprintf(stderr, "lotsen erlang: out of memory\n");
		return 1;
	}
	printf("%s\n", s);
	free(s);
	return 0;
}

static void print_summary(const struct erlang_input *in, const struct erlang_result *r, double a,
                          const double *v, const bool *seen, bool evaluate)
{
	char b1[64], b2[64], b3[64], b4[64];

	printf("Erbjuden trafik: %s erlang (%s samtal på %s s, ärendetid %s s)\n",
	       sv(b1, sizeof(b1), a, 2), sv(b2, sizeof(b2), in->calls, places(in->calls)),
	       sv(b3, sizeof(b3), in->interval_s, places(in->interval_s)),
	       sv(b4, sizeof(b4), in->aht_s, places(in->aht_s)));
	if (in->patience_s > 0)
		printf("Modell: Erlang A, genomsnittligt tålamod %s s\n",
		       sv(b1, sizeof(b1), in->patience_s, 0));
	else
		printf("Modell: Erlang C, ingen lägger på\n");
	printf("%s: %d i telefon", evaluate ? "Agenter" : "Agenter som behövs", r->agents);
	if (seen[F_SHRINKAGE])
		printf(", %d schemalagda med %s %% frånvaro", r->agents_scheduled,
		       sv(b1, sizeof(b1), v[F_SHRINKAGE] * 100, 0));
	printf("\n");
	printf("Tillgänglighet: %s %% besvarade inom %s s",
	       sv(b1, sizeof(b1), r->service_level * 100, 1),
	       sv(b2, sizeof(b2), in->target_time_s, places(in->target_time_s)));
	if (seen[F_TARGET_SL]) {
		printf(" (mål %s %%",
		       sv(b1, sizeof(b1), v[F_TARGET_SL] * 100, places(v[F_TARGET_SL] * 100)));
		if (evaluate)
			printf(r->service_level >= v[F_TARGET_SL] ? ", nås" : ", nås inte");
		printf(")");
	}
	printf("\n");
	printf("Sannolikhet att vänta: %s %%\n", sv(b1, sizeof(b1), r->p_wait * 100, 1));
	printf("Medelväntetid för besvarade (ASA): %s s\n", sv(b1, sizeof(b1), r->asa_s, 1));
	printf("Beläggning: %s %%\n", sv(b1, sizeof(b1), r->occupancy * 100, 1));
	if (in->patience_s > 0)
		printf("Avbrutna samtal: %s %%\n", sv(b1, sizeof(b1), r->abandon_rate * 100, 1));
}

int erlang_cli(int argc, char **argv)
{
	static const enum flag_id required[] = {F_CALLS, F_INTERVAL, F_AHT, F_TARGET_TIME,
	                                        F_TARGET_SL};
	double v[F_COUNT] = {0};
	bool seen[F_COUNT] = {false}, json = false, evaluate;
	struct erlang_input in;
	struct erlang_target t = {0};
	struct erlang_result r;
	double a;
	int err;

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *eq = strchr(arg, '='), *val;
		size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
		int f;

		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			fputs(usage_text, stdout);
			return 0;
		}
		if (strcmp(arg, "--json") == 0) {
			json = true;
			continue;
		}
		f = strncmp(arg, "--", 2) == 0 ? find_flag(arg, len) : -1;
		if (f < 0) {
			fprintf(stderr,
			        "lotsen erlang: unknown option \"%s\"; accepted: --calls "
			        "--interval "
			        "--aht --target-sl --target-time --patience --shrinkage "
			        "--max-occupancy --max-abandon --agents --json --help\n",
			        arg);
			return 2;
		}
		val = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
		if (!val) {
			fprintf(stderr, "lotsen erlang: %s needs a value: %s\n", flags[f].name,
			        flags[f].what);
			return 2;
		}
		if (parse_value(&flags[f], val, &v[f]))
			return 2;
		seen[f] = true;
	}
	evaluate = seen[F_AGENTS];
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		const enum flag_id f = required[i];
		if (!seen[f] && !(f == F_TARGET_SL && evaluate)) {
			fprintf(stderr,
			        "lotsen erlang: %s is required: %s (see lotsen erlang --help)\n",
			        flags[f].name, flags[f].what);
			return 2;
		}
	}

	in = (struct erlang_input){.calls = v[F_CALLS],
	                           .interval_s = v[F_INTERVAL],
	                           .aht_s = v[F_AHT],
	                           .target_time_s = v[F_TARGET_TIME],
	                           .patience_s = v[F_PATIENCE]};
	a = in.calls * in.aht_s / in.interval_s;
	if (!isfinite(a)) {
		fprintf(stderr, "lotsen erlang: --calls × --aht / --interval is too large\n");
		return 2;
	}
	t = (struct erlang_target){.service_level = v[F_TARGET_SL],
	                           .max_occupancy = v[F_MAX_OCCUPANCY],
	                           .shrinkage = v[F_SHRINKAGE],
	                           .max_abandon = v[F_MAX_ABANDON]};

	if (evaluate) {
		err = erlang_evaluate(&in, (int)v[F_AGENTS], &r);
		if (!err)
			err = erlang_schedule(r.agents, t.shrinkage, &r.agents_scheduled);
		if (err == ERANGE) {
			fprintf(stderr,
			        in.patience_s > 0
			                ? "lotsen erlang: --agents: %d agents leave a queue of "
			                  "%.2f "
			                  "erlangs too long to compute with this --patience; give "
			                  "more agents\n"
			                : "lotsen erlang: --agents: %d agents cannot carry %.2f "
			                  "erlangs, the queue grows without end; Erlang C needs "
			                  "more "
			                  "agents than erlangs (or give --patience for Erlang A)\n",
			        (int)v[F_AGENTS], a);
			return 2;
		}
	} else {
		err = erlang_agents_needed(&in, &t, &r);
		if (err == ERANGE) {
			fprintf(stderr,
			        "lotsen erlang: no staffing up to %d agents meets the target\n",
			        ERLANG_MAX_AGENTS);
			return 1;
		}
	}
	if (err) {
		fprintf(stderr, "lotsen erlang: %s\n", strerror(err));
		return err == EINVAL ? 2 : 1;
	}
	if (json)
		return print_json(&r, a);
	print_summary(&in, &r, a, v, seen, evaluate);
	return 0;
}
