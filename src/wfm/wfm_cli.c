/* `lotsen forecast` and `lotsen staffing`: CSV files in and out around the pure maths. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/calendar.h"
#include "store/db.h"
#include "wfm/erlang.h"
#include "wfm/forecast.h"
#include "wfm/staffing.h"
#include "wfm/wfm_store.h"

static const char forecast_usage[] =
        "usage: lotsen forecast --history FILE.csv --start YYYY-MM-DD --days N\n"
        "                       [--interval MINUTES] [--out FILE.csv]\n"
        "                       [--closed YYYY-MM-DD,...] [--events FILE.csv]\n"
        "       lotsen forecast --db FILE --group N [--channel phone] --start YYYY-MM-DD\n"
        "                       --days N [--interval MINUTES] [--out FILE.csv] ...\n"
        "\n"
        "Forecasts contacts per interval for every open day from --start on, from a history\n"
        "of counts. Open days: weekdays with rows on more than half of their dates in the\n"
        "last 16 weeks of the history, except Swedish holidays and closed eves (unless the\n"
        "history shows the center open on holidays) and the --closed dates.\n"
        "\n"
        "  --history FILE  CSV with the header interval_start,calls: local wall-clock times\n"
        "                  YYYY-MM-DDTHH:MM[:SS] (a zone suffix is ignored), rows in time\n"
        "                  order, any interval of 5 minutes or more; days without rows are\n"
        "                  closed days\n"
        "  --db FILE       instead of --history: Lotsen's own database; the history is the\n"
        "                  group's calls offered per 15 minutes (the queue's rollups) up to\n"
        "                  the day before --start, closed days by the group's opening hours\n"
        "  --group N       the response group's id (with --db)\n"
        "  --channel C     phone (the queue's history holds calls only)\n"
        "  --start DATE    first day to forecast\n"
        "  --days N        days to forecast, 1 to 3660\n"
        "  --interval M    minutes per output interval, 5 to 1440 dividing a day (default 30)\n"
        "  --out FILE      where to write interval_start,calls (default: standard output)\n"
        "  --closed DATES  further closed dates, comma-separated\n"
        "  --events FILE   CSV date,extra_calls: expected extra contacts on a date\n";

static const char staffing_usage[] =
        "usage: lotsen staffing --forecast FILE.csv --aht S --patience S --target-sl P\n"
        "                       --target-time S [--shrinkage P] [--max-occupancy P]\n"
        "                       [--interval MINUTES] [--out FILE.csv]\n"
        "\n"
        "Adds the agents needed per interval: agents (scheduled, Erlang A), agents_erlang_c\n"
        "(scheduled, Erlang C) and the service level the Erlang A staffing gives.\n"
        "\n"
        "  --forecast FILE    CSV interval_start,calls (as lotsen forecast writes it)\n"
        "  --aht S            average handle time in seconds, > 0\n"
        "  --patience S       mean patience in seconds before a caller hangs up, > 0\n"
        "  --target-sl P      share to answer within --target-time, 0 < P <= 1\n"
        "  --target-time S    seconds, >= 0\n"
        "  --shrinkage P      share of scheduled time off the phones, 0 <= P < 1 (default 0)\n"
        "  --max-occupancy P  highest occupancy, 0 < P <= 1 (default: no limit)\n"
        "  --interval M       minutes per interval (default: the smallest step in the file)\n"
        "  --out FILE         where to write the CSV (default: standard output)\n";

/* One row of a CSV of interval_start,calls. */
struct row {
	int64_t day; /* days since 1970-01-01 */
	int minute;  /* minute of the day */
	double calls;
	long line; /* line in the file, for errors */
};

struct rows {
	struct row *v;
	size_t n, cap;
};

/* ---- reading ---------------------------------------------------------------------- */

static int fail(const char *cmd, const char *fmt, const char *a, long line, const char *b)
{
	fprintf(stderr, "lotsen %s: ", cmd);
	fprintf(stderr, fmt, a, line, b);
	fputc('\n', stderr);
	return 2;
}

static void chomp(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

static bool parse_two(const char *s, int *out)
{
	if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]))
		return false;
	*out = (s[0] - '0') * 10 + (s[1] - '0');
	return true;
}

/* "YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM]" (or a space for T) as local wall-clock time. */
static bool parse_time(const char *s, int64_t *day, int *minute)
{
	char date[11];
	struct date d;
	int hh, mm, ss = 0;
	const char *p;

	if (strlen(s) < 16 || (s[10] != 'T' && s[10] != ' '))
		return false;
	memcpy(date, s, 10);
	date[10] = '\0';
	if (calendar_date_parse(date, &d) || !parse_two(s + 11, &hh) || s[13] != ':' ||
	    !parse_two(s + 14, &mm) || hh > 23 || mm > 59)
		return false;
	p = s + 16;
	if (*p == ':') {
		if (!parse_two(p + 1, &ss) || ss > 59)
			return false;
		p += 3;
	}
	if (*p == 'Z')
		p++;
	else if ((*p == '+' || *p == '-') && strlen(p) == 6 && isdigit((unsigned char)p[1]) &&
	         isdigit((unsigned char)p[2]) && p[3] == ':')
		p += 6;
	if (*p || ss != 0)
		return false;
	*day = calendar_date_to_days(&d);
	*minute = hh * 60 + mm;
	return true;
}

static bool parse_count(const char *s, double *out)
{
	char *end = NULL;
	double x;

	if (!*s || isspace((unsigned char)*s))
		return false;
	errno = 0;
	x = strtod(s, &end);
	if (end == s || *end || errno || !isfinite(x) || x < 0)
		return false;
	*out = x;
	return true;
}

static int push(struct rows *r, const struct row *x)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 1024;
		struct row *v = realloc(r->v, cap * sizeof(*v));
		if (!v)
			return ENOMEM;
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n++] = *x;
	return 0;
}

/* Reads FILE as interval_start,calls; prints the error naming the line and returns 2,
 * or 0 with the rows in strictly increasing time. */
static int read_counts(const char *cmd, const char *path, struct rows *out)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	long lineno = 0;
	int rc = 0;

	if (!f) {
		fprintf(stderr, "lotsen %s: cannot read %s: %s\n", cmd, path, strerror(errno));
		return 2;
	}
	while (getline(&line, &cap, f) >= 0) {
		char *comma, *third;
		struct row r;
		lineno++;
		chomp(line);
		if (lineno == 1) {
			if (strncmp(line, "interval_start,calls", 20) != 0) {
				rc = fail(cmd, "%s:%ld: the header must be interval_start,calls%s",
				          path, lineno, "");
				goto out;
			}
			continue;
		}
		if (!*line)
			continue;
		comma = strchr(line, ',');
		if (!comma) {
			rc = fail(cmd, "%s:%ld: expected interval_start,calls, got \"%s\"", path,
			          lineno, line);
			goto out;
		}
		*comma = '\0';
		third = strchr(comma + 1, ',');
		if (third)
			*third = '\0';
		if (!parse_time(line, &r.day, &r.minute)) {
			rc = fail(
			        cmd,
			        "%s:%ld: \"%s\" is not a time YYYY-MM-DDTHH:MM[:00] (a real date, "
			        "whole minutes)",
			        path, lineno, line);
			goto out;
		}
		if (!parse_count(comma + 1, &r.calls)) {
			rc = fail(cmd, "%s:%ld: calls \"%s\" is not a number >= 0", path, lineno,
			          comma + 1);
			goto out;
		}
		if (out->n > 0) {
			const struct row *prev = &out->v[out->n - 1];
			if (r.day < prev->day || (r.day == prev->day && r.minute <= prev->minute)) {
				rc = fail(
				        cmd,
				        "%s:%ld: %s is not after the row before it; the rows must "
				        "be in time order without repeats",
				        path, lineno, line);
				goto out;
			}
		}
		r.line = lineno;
		if (push(out, &r)) {
			fprintf(stderr, "lotsen %s: out of memory\n", cmd);
			rc = 1;
			goto out;
		}
	}
	if (ferror(f)) {
		fprintf(stderr, "lotsen %s: cannot read %s: %s\n", cmd, path, strerror(errno));
		rc = 2;
	} else if (lineno == 0) {
		fprintf(stderr,
		        "lotsen %s: %s is empty; expected the header interval_start,calls\n", cmd,
		        path);
		rc = 2;
	} else if (out->n == 0) {
		rc = fail(cmd, "%s:%ld: no rows after the header%s", path, lineno, "");
	}
out:
	free(line);
	fclose(f);
	return rc;
}

/* The smallest step between two rows of the same day, in minutes (0 if none); *at is
 * the index of the row where it was seen. */
static int smallest_step(const struct rows *r, size_t *at)
{
	int best = 0;

	for (size_t i = 1; i < r->n; i++) {
		if (r->v[i].day != r->v[i - 1].day)
			continue;
		int step = r->v[i].minute - r->v[i - 1].minute;
		if (best == 0 || step < best) {
			best = step;
			*at = i;
		}
	}
	return best;
}

/* ---- options ---------------------------------------------------------------------- */

struct opt {
	const char *name;
	const char *value;
};

/* Fills the values of the named options; 2 after printing an error. */
static int parse_opts(const char *cmd, int argc, char **argv, struct opt *opts, size_t n,
                      const char *usage, bool *help)
{
	*help = false;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *eq = strchr(arg, '=');
		size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
		size_t k;

		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			fputs(usage, stdout);
			*help = true;
			return 0;
		}
		for (k = 0; k < n; k++)
			if (strlen(opts[k].name) == len && memcmp(opts[k].name, arg, len) == 0)
				break;
		if (k == n) {
			fprintf(stderr, "lotsen %s: unknown option \"%s\" (see lotsen %s --help)\n",
			        cmd, arg, cmd);
			return 2;
		}
		opts[k].value = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
		if (!opts[k].value) {
			fprintf(stderr, "lotsen %s: %s needs a value (see lotsen %s --help)\n", cmd,
			        opts[k].name, cmd);
			return 2;
		}
	}
	return 0;
}

static int need(const char *cmd, const struct opt *o)
{
	if (o->value)
		return 0;
	fprintf(stderr, "lotsen %s: %s is required (see lotsen %s --help)\n", cmd, o->name, cmd);
	return 2;
}

static int number_opt(const char *cmd, const struct opt *o, double lo, double hi, bool lo_open,
                      bool hi_open, const char *what, double *out)
{
	char *end = NULL;
	double x = NAN;

	if (!o->value)
		return 0;
	errno = 0;
	if (*o->value && !isspace((unsigned char)*o->value))
		x = strtod(o->value, &end);
	if (!end || end == o->value || *end || errno || !isfinite(x) ||
	    (lo_open ? x <= lo : x < lo) || (hi_open ? x >= hi : x > hi)) {
		fprintf(stderr, "lotsen %s: %s: \"%s\" is not %s\n", cmd, o->name, o->value, what);
		return 2;
	}
	*out = x;
	return 0;
}

static int interval_opt(const char *cmd, const struct opt *o, int *minutes)
{
	double x = 0;

	if (number_opt(cmd, o, 0, 1440, true, false, "a number of minutes", &x))
		return 2;
	if (!o->value)
		return 0;
	if (x != floor(x) || x < 5 || 1440 % (int)x != 0) {
		fprintf(stderr,
		        "lotsen %s: --interval: \"%s\" is not a whole number of minutes from 5 to "
		        "1440 that divides a day (5, 10, 15, 30, 60, …)\n",
		        cmd, o->value);
		return 2;
	}
	*minutes = (int)x;
	return 0;
}

static FILE *open_out(const char *cmd, const char *path)
{
	FILE *f = path && strcmp(path, "-") != 0 ? fopen(path, "w") : stdout;

	if (!f)
		fprintf(stderr, "lotsen %s: cannot write %s: %s\n", cmd, path, strerror(errno));
	return f;
}

static int close_out(const char *cmd, const char *path, FILE *f)
{
	bool bad = ferror(f) != 0;

	if (f == stdout)
		bad |= fflush(f) != 0;
	else
		bad |= fclose(f) != 0;
	if (bad) {
		fprintf(stderr, "lotsen %s: cannot write %s\n", cmd,
		        path ? path : "standard output");
		return 1;
	}
	return 0;
}

static void print_time(FILE *f, int64_t day, int minute)
{
	struct date d;
	char buf[11];

	calendar_date_from_days(day, &d);
	calendar_date_format(&d, buf);
	fprintf(f, "%sT%02d:%02d:00", buf, minute / 60, minute % 60);
}

/* ---- forecast --------------------------------------------------------------------- */

static int parse_closed(const char *s, int64_t **out, int *n)
{
	int cap = 1;

	for (const char *p = s; *p; p++)
		cap += *p == ',';
	*out = calloc((size_t)cap, sizeof(**out));
	if (!*out)
		return ENOMEM;
	*n = 0;
	while (*s) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		char buf[11];
		struct date d;
		if (len != 10) {
			fprintf(stderr,
			        "lotsen forecast: --closed: \"%.*s\" is not a date YYYY-MM-DD\n",
			        (int)len, s);
			return EINVAL;
		}
		memcpy(buf, s, 10);
		buf[10] = '\0';
		if (calendar_date_parse(buf, &d)) {
			fprintf(stderr,
			        "lotsen forecast: --closed: \"%s\" is not a date YYYY-MM-DD\n",
			        buf);
			return EINVAL;
		}
		(*out)[(*n)++] = calendar_date_to_days(&d);
		s += len + (comma ? 1 : 0);
	}
	return 0;
}

static int read_events(const char *path, struct forecast_event **out, int *n)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, have = 0;
	long lineno = 0;
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (!f) {
		fprintf(stderr, "lotsen forecast: cannot read %s: %s\n", path, strerror(errno));
		return 2;
	}
	while (getline(&line, &cap, f) >= 0) {
		char *comma, *end = NULL;
		struct date d;
		double x;
		lineno++;
		chomp(line);
		if (lineno == 1) {
			if (strncmp(line, "date,extra_calls", 16) != 0) {
				rc = fail("forecast",
				          "%s:%ld: the header must be date,extra_calls%s", path,
				          lineno, "");
				goto out;
			}
			continue;
		}
		if (!*line)
			continue;
		comma = strchr(line, ',');
		if (comma)
			*comma = '\0';
		if (!comma || calendar_date_parse(line, &d)) {
			rc = fail("forecast",
			          "%s:%ld: \"%s\" is not a date YYYY-MM-DD followed by ,N", path,
			          lineno, line);
			goto out;
		}
		errno = 0;
		x = strtod(comma + 1, &end);
		if (end == comma + 1 || *end || errno || !isfinite(x)) {
			rc = fail("forecast", "%s:%ld: extra_calls \"%s\" is not a number", path,
			          lineno, comma + 1);
			goto out;
		}
		if ((size_t)*n == have) {
			size_t c2 = have ? have * 2 : 16;
			struct forecast_event *v = realloc(*out, c2 * sizeof(*v));
			if (!v) {
				rc = 1;
				goto out;
			}
			*out = v;
			have = c2;
		}
		(*out)[(*n)++] =
		        (struct forecast_event){.day = calendar_date_to_days(&d), .extra_calls = x};
	}
out:
	free(line);
	fclose(f);
	return rc;
}

/* The history of group `group` in the database at `path`, on a grid of `minutes`;
 * prints the error and returns 2 (or 1) on failure. */
static int db_history(const char *path, int64_t group, const struct date *start, int minutes,
                      struct forecast_history *h)
{
	struct db_opts dopts = {.durability = DB_DURABLE_NORMAL};
	struct db *db = NULL;
	int err;

	if (minutes % 15) {
		fprintf(stderr,
		        "lotsen forecast: --interval: %d minutes; with --db the history is in "
		        "15-minute intervals, so 15, 30, 45, 60, …\n",
		        minutes);
		return 2;
	}
	if (access(path, R_OK) != 0) {
		fprintf(stderr, "lotsen forecast: cannot read %s: %s\n", path, strerror(errno));
		return 2;
	}
	err = db_open(&db, path, &dopts);
	if (err) {
		fprintf(stderr, "lotsen forecast: cannot open database %s: %s\n", path,
		        strerror(err));
		return 2;
	}
	if (!wfm_group_exists(db, group)) {
		fprintf(stderr, "lotsen forecast: --group: %s has no response group %lld\n", path,
		        (long long)group);
		db_close(db);
		return 2;
	}
	err = wfm_history(db, group, calendar_date_to_days(start), 1440 / minutes, h);
	db_close(db);
	if (err == ENOENT) {
		fprintf(stderr,
		        "lotsen forecast: %s: group %lld has no queue history before --start\n",
		        path, (long long)group);
		return 2;
	}
	if (err) {
		fprintf(stderr, "lotsen forecast: reading %s: %s\n", path, strerror(err));
		return 1;
	}
	return 0;
}

int forecast_cli(int argc, char **argv)
{
	enum {
		O_HISTORY,
		O_START,
		O_DAYS,
		O_INTERVAL,
		O_OUT,
		O_CLOSED,
		O_EVENTS,
		O_DB,
		O_GROUP,
		O_CHANNEL,
		O_COUNT
	};
	struct opt o[O_COUNT] = {{"--history", NULL},  {"--start", NULL}, {"--days", NULL},
	                         {"--interval", NULL}, {"--out", NULL},   {"--closed", NULL},
	                         {"--events", NULL},   {"--db", NULL},    {"--group", NULL},
	                         {"--channel", NULL}};
	double group_d = 0;
	struct rows rows = {0};
	struct forecast_history h = {0};
	struct forecast_request rq = {0};
	struct forecast_params p;
	struct forecast_model model;
	struct forecast_event *events = NULL;
	int64_t *closed = NULL;
	double *calls = NULL, *fc = NULL, days_d = 0;
	bool *open = NULL, *fc_open = NULL, help;
	int minutes = 30, step, S, rc, err;
	size_t at = 0;
	struct date start;
	FILE *f = NULL;

	rc = parse_opts("forecast", argc, argv, o, O_COUNT, forecast_usage, &help);
	if (rc || help)
		return rc;
	if (o[O_DB].value && o[O_HISTORY].value) {
		fprintf(stderr, "lotsen forecast: give --history or --db, not both\n");
		return 2;
	}
	for (int k = o[O_DB].value ? O_START : O_HISTORY; k <= O_DAYS; k++)
		if (need("forecast", &o[k]))
			return 2;
	if (o[O_DB].value) {
		if (need("forecast", &o[O_GROUP]) ||
		    number_opt("forecast", &o[O_GROUP], 1, 4294967295.0, false, false,
		               "a response group's id", &group_d))
			return 2;
		if (group_d != floor(group_d)) {
			fprintf(stderr, "lotsen forecast: --group: \"%s\" is not a group id\n",
			        o[O_GROUP].value);
			return 2;
		}
		if (o[O_CHANNEL].value && strcmp(o[O_CHANNEL].value, "phone") != 0) {
			fprintf(stderr,
			        "lotsen forecast: --channel: \"%s\": only phone; the queue's "
			        "history "
			        "holds calls\n",
			        o[O_CHANNEL].value);
			return 2;
		}
	} else if (o[O_GROUP].value || o[O_CHANNEL].value) {
		fprintf(stderr, "lotsen forecast: --group and --channel go with --db\n");
		return 2;
	}
	if (calendar_date_parse(o[O_START].value, &start)) {
		fprintf(stderr, "lotsen forecast: --start: \"%s\" is not a date YYYY-MM-DD\n",
		        o[O_START].value);
		return 2;
	}
	if (number_opt("forecast", &o[O_DAYS], 1, 3660, false, false,
	               "a whole number of days from 1 to 3660", &days_d))
		return 2;
	if (days_d != floor(days_d)) {
		fprintf(stderr, "lotsen forecast: --days: \"%s\" is not a whole number of days\n",
		        o[O_DAYS].value);
		return 2;
	}
	if (interval_opt("forecast", &o[O_INTERVAL], &minutes))
		return 2;
	if (o[O_CLOSED].value && parse_closed(o[O_CLOSED].value, &closed, &rq.n_closed)) {
		rc = 2;
		goto out;
	}
	if (o[O_EVENTS].value) {
		rc = read_events(o[O_EVENTS].value, &events, &rq.n_events);
		if (rc)
			goto out;
	}
	if (o[O_DB].value) {
		rc = db_history(o[O_DB].value, (int64_t)group_d, &start, minutes, &h);
		if (rc)
			goto out;
		calls = (double *)h.calls;
		open = (bool *)h.open;
		S = h.slots;
		rq.first_day = calendar_date_to_days(&start);
		rq.days = (int)days_d;
		fc = calloc((size_t)rq.days * S, sizeof(*fc));
		fc_open = calloc((size_t)rq.days, sizeof(*fc_open));
		if (!fc || !fc_open) {
			fprintf(stderr, "lotsen forecast: out of memory\n");
			rc = 1;
			goto out;
		}
		goto run;
	}
	rc = read_counts("forecast", o[O_HISTORY].value, &rows);
	if (rc)
		goto out;
	step = smallest_step(&rows, &at);
	if (step > 0 && step < 5) {
		fprintf(stderr,
		        "lotsen forecast: %s:%ld: %d minutes after the row before it; the "
		        "history's "
		        "interval must be 5 minutes or more\n",
		        o[O_HISTORY].value, rows.v[at].line, step);
		rc = 2;
		goto out;
	}
	if (step == 0)
		step = minutes;

	/* The history on the output grid: each row's count spread over the slots its
	 * interval overlaps. */
	S = 1440 / minutes;
	h.first_day = rows.v[0].day;
	h.days = (int)(rows.v[rows.n - 1].day - h.first_day + 1);
	h.slots = S;
	calls = calloc((size_t)h.days * S, sizeof(*calls));
	open = calloc((size_t)h.days, sizeof(*open));
	rq.first_day = calendar_date_to_days(&start);
	rq.days = (int)days_d;
	fc = calloc((size_t)rq.days * S, sizeof(*fc));
	fc_open = calloc((size_t)rq.days, sizeof(*fc_open));
	if (!calls || !open || !fc || !fc_open) {
		fprintf(stderr, "lotsen forecast: out of memory\n");
		rc = 1;
		goto out;
	}
	for (size_t i = 0; i < rows.n; i++) {
		const struct row *r = &rows.v[i];
		int from = r->minute, to = r->minute + step;
		size_t base = (size_t)(r->day - h.first_day) * S;
		if (to > 1440)
			to = 1440;
		open[r->day - h.first_day] = true;
		for (int s = from / minutes; s < S && s * minutes < to; s++) {
			int a = s * minutes > from ? s * minutes : from;
			int b = (s + 1) * minutes < to ? (s + 1) * minutes : to;
			if (b > a)
				calls[base + s] += r->calls * (b - a) / (to - from);
		}
	}
	h.calls = calls;
	h.open = open;
run:
	rq.closed = closed;
	rq.events = events;
	forecast_params_default(&p);
	err = forecast_run(&h, &rq, &p, fc, fc_open, &model);
	if (err) {
		fprintf(stderr, "lotsen forecast: %s: the history has no open day to learn from\n",
		        o[O_DB].value ? o[O_DB].value : o[O_HISTORY].value);
		rc = 2;
		goto out;
	}
	f = open_out("forecast", o[O_OUT].value);
	if (!f) {
		rc = 1;
		goto out;
	}
	fprintf(f, "interval_start,calls\n");
	for (int d = 0; d < rq.days; d++) {
		if (!fc_open[d])
			continue;
		for (int s = model.first_slot; s <= model.last_slot; s++) {
			print_time(f, rq.first_day + d, s * minutes);
			fprintf(f, ",%.2f\n", fc[(size_t)d * S + s]);
		}
	}
	rc = close_out("forecast", o[O_OUT].value, f);
out:
	free(rows.v);
	free(calls);
	free(open);
	free(fc);
	free(fc_open);
	free(closed);
	free(events);
	return rc;
}

/* ---- staffing --------------------------------------------------------------------- */

int staffing_cli(int argc, char **argv)
{
	enum {
		O_FORECAST,
		O_AHT,
		O_PATIENCE,
		O_SL,
		O_TIME,
		O_SHRINKAGE,
		O_OCCUPANCY,
		O_INTERVAL,
		O_OUT,
		O_COUNT
	};
	struct opt o[O_COUNT] = {
	        {"--forecast", NULL},      {"--aht", NULL},         {"--patience", NULL},
	        {"--target-sl", NULL},     {"--target-time", NULL}, {"--shrinkage", NULL},
	        {"--max-occupancy", NULL}, {"--interval", NULL},    {"--out", NULL}};
	struct staffing_params p = {0};
	struct staffing_interval *plan = NULL;
	struct rows rows = {0};
	double *calls = NULL;
	bool help;
	int minutes = 0, rc, err;
	size_t at = 0;
	FILE *f = NULL;

	rc = parse_opts("staffing", argc, argv, o, O_COUNT, staffing_usage, &help);
	if (rc || help)
		return rc;
	for (int k = O_FORECAST; k <= O_TIME; k++)
		if (need("staffing", &o[k]))
			return 2;
	if (number_opt("staffing", &o[O_AHT], 0, HUGE_VAL, true, true, "a number of seconds > 0",
	               &p.aht_s) ||
	    number_opt("staffing", &o[O_PATIENCE], 0, HUGE_VAL, true, true,
	               "a number of seconds > 0", &p.patience_s) ||
	    number_opt("staffing", &o[O_SL], 0, 1, true, false, "a share > 0 and <= 1, e.g. 0.85",
	               &p.target_sl) ||
	    number_opt("staffing", &o[O_TIME], 0, HUGE_VAL, false, true, "a number of seconds >= 0",
	               &p.target_time_s) ||
	    number_opt("staffing", &o[O_SHRINKAGE], 0, 1, false, true,
	               "a share >= 0 and < 1, e.g. 0.3", &p.shrinkage) ||
	    number_opt("staffing", &o[O_OCCUPANCY], 0, 1, true, false,
	               "a share > 0 and <= 1, e.g. 0.85", &p.max_occupancy) ||
	    interval_opt("staffing", &o[O_INTERVAL], &minutes))
		return 2;
	rc = read_counts("staffing", o[O_FORECAST].value, &rows);
	if (rc)
		goto out;
	if (minutes == 0) {
		int step = smallest_step(&rows, &at);
		if (step == 0) {
			fprintf(stderr,
			        "lotsen staffing: %s has one row a day, so the interval is "
			        "unknown; "
			        "give --interval MINUTES\n",
			        o[O_FORECAST].value);
			rc = 2;
			goto out;
		}
		if (step < 5) {
			fprintf(stderr,
			        "lotsen staffing: %s:%ld: %d minutes after the row before it; "
			        "intervals must be 5 minutes or more\n",
			        o[O_FORECAST].value, rows.v[at].line, step);
			rc = 2;
			goto out;
		}
		minutes = step;
	}
	p.interval_s = minutes * 60.0;
	calls = malloc(rows.n * sizeof(*calls));
	plan = malloc(rows.n * sizeof(*plan));
	if (!calls || !plan) {
		fprintf(stderr, "lotsen staffing: out of memory\n");
		rc = 1;
		goto out;
	}
	for (size_t i = 0; i < rows.n; i++)
		calls[i] = rows.v[i].calls;
	err = staffing_plan(calls, (int)rows.n, &p, plan);
	if (err == ERANGE) {
		fprintf(stderr, "lotsen staffing: some interval needs more than %d agents\n",
		        ERLANG_MAX_AGENTS);
		rc = 1;
		goto out;
	}
	if (err) {
		fprintf(stderr, "lotsen staffing: %s\n", strerror(err));
		rc = err == EINVAL ? 2 : 1;
		goto out;
	}
	f = open_out("staffing", o[O_OUT].value);
	if (!f) {
		rc = 1;
		goto out;
	}
	fprintf(f, "interval_start,calls,agents,agents_erlang_c,service_level\n");
	for (size_t i = 0; i < rows.n; i++) {
		print_time(f, rows.v[i].day, rows.v[i].minute);
		fprintf(f, ",%.2f,%d,%d,%.4f\n", rows.v[i].calls, plan[i].agents,
		        plan[i].agents_erlang_c, plan[i].service_level);
	}
	rc = close_out("staffing", o[O_OUT].value, f);
out:
	free(rows.v);
	free(calls);
	free(plan);
	return rc;
}
