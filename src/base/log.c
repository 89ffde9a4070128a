/* Structured log lines for operators: greppable key=value, UTC timestamps with milliseconds. */
#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static enum log_level min_level = LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_set_level(enum log_level min)
{
	min_level = min;
}

int log_level_parse(const char *s, enum log_level *out)
{
	for (int i = 0; i < 4; i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return 22; /* EINVAL without pulling errno.h into every caller */
}

void log_event(enum log_level lvl, const char *event, const char *fmt, ...)
{
	char line[2048];
	struct timespec ts;
	struct tm tm;
	size_t n;
	va_list ap;
	int r;

	if (lvl < min_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof(line), "ts=%Y-%m-%dT%H:%M:%S", &tm);
	r = snprintf(line + n, sizeof(line) - n, ".%03ldZ level=%s event=%s ", ts.tv_nsec / 1000000,
	             level_names[lvl], event);
	if (r > 0 && (size_t)r < sizeof(line) - n)
		n += (size_t)r;
	va_start(ap, fmt);
	r = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	if (r > 0)
		n += (size_t)r < sizeof(line) - n ? (size_t)r : sizeof(line) - n - 1;
	/* One write per line so lines from a worker thread never interleave mid-line. */
	line[n < sizeof(line) - 1 ? n : sizeof(line) - 2] = '\n';
	fwrite(line, 1, (n < sizeof(line) - 1 ? n : sizeof(line) - 2) + 1, stderr);
}
