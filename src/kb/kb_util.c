/* Small helpers of the knowledge base: the search functions on a connection, dates, a
 * growing string buffer. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/calendar.h"
#include "kb/kb.h"
#include "kb/kb_int.h"
#include "store/db.h"
#include "text/text.h"

int kb_search_init(struct db *db)
{
	if (db_dialect(db) == DB_POSTGRES) /* no FTS5 there: see kb_schema.c */
		return 0;
	return text_fts_register(db_native(db));
}

void kb_today(int64_t now, char out[11])
{
	struct local_time lt;

	calendar_local_from_utc(now, &lt);
	calendar_date_format(&lt.date, out);
}

bool kb_date_valid(const char *s)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d;

	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1900 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return false;
	return true;
}

void kb_buf_add(struct kb_buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->n + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

void kb_buf_str(struct kb_buf *b, const char *s)
{
	kb_buf_add(b, s, strlen(s));
}

void kb_buf_fmt(struct kb_buf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		kb_buf_add(b, small, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big) {
		b->oom = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	kb_buf_add(b, big, (size_t)n);
	free(big);
}

char *kb_buf_take(struct kb_buf *b)
{
	char *p;

	if (b->oom) {
		free(b->p);
		*b = (struct kb_buf){0};
		return NULL;
	}
	if (!b->p)
		kb_buf_add(b, "", 0);
	p = b->p;
	*b = (struct kb_buf){0};
	return p;
}
