/* Searches that missed: queries that found nothing or whose hits nobody opened, counted
 * per normalized query so that owners see what to connect to an article. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "base/contact.h"
#include "core/personnummer.h"
#include "kb/kb.h"
#include "kb/kb_int.h"
#include "store/db.h"

/* Lower-case ASCII and the Latin-1 capitals (UTF-8 C3 80–9E but for ×, C3 97). */
static void lower(char *w)
{
	for (unsigned char *c = (unsigned char *)w; *c; c++) {
		if (*c >= 'A' && *c <= 'Z')
			*c = (unsigned char)(*c + 32);
		else if (*c == 0xc3 && c[1] >= 0x80 && c[1] <= 0x9e && c[1] != 0x97) {
			c[1] = (unsigned char)(c[1] + 0x20);
			c++;
		}
	}
}

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool phone_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || c == ' ' || c == '-' || c == '+' || c == '/' || c == '.' ||
	       c == '(' || c == ')';
}

/* A personnummer in any accepted form, valid or with a wrong check digit: what matters
 * is that someone typed one. */
static bool looks_like_pnr(const char *tok, const struct date *today)
{
	enum pnr_error why = PNR_OK;
	char out[13];

	if (pnr_parse(tok, today, out, &why) == 0)
		return true;
	return why == PNR_CHECKSUM || why == PNR_FUTURE;
}

/* A run of phone characters holding at least seven digits that reads as a number. */
static bool looks_like_phone(const char *q)
{
	const char *p = q;

	while (*p) {
		const char *start;
		char run[128], e164[32];
		size_t n, digits = 0;

		while (*p && !phone_char((unsigned char)*p))
			p++;
		start = p;
		while (*p && phone_char((unsigned char)*p))
			digits += (*p >= '0' && *p <= '9'), p++;
		n = (size_t)(p - start);
		while (n > 0 && is_space((unsigned char)start[n - 1]))
			n--;
		while (n > 0 && is_space((unsigned char)*start))
			start++, n--;
		if (digits < 7 || n >= sizeof(run))
			continue;
		memcpy(run, start, n);
		run[n] = '\0';
		if (contact_phone_normalize(run, e164, sizeof(e164)) == 0)
			return true;
	}
	return false;
}

int kb_miss_normalize(const char *in, int64_t now, char *out, size_t n)
{
	struct date today;
	size_t o = 0, chars = 0;
	bool space = false;

	if (!in || !out || n < 2)
		return EINVAL;
	/* Collapse whitespace, trim, cut at KB_MISS_QUERY_MAX characters (whole UTF-8). */
	for (const unsigned char *c = (const unsigned char *)in; *c; c++) {
		if (is_space(*c)) {
			space = o > 0;
			continue;
		}
		bool lead = (*c & 0xc0) != 0x80;
		if (lead && chars == KB_MISS_QUERY_MAX)
			break;
		if (space) {
			if (chars + 1 == KB_MISS_QUERY_MAX || o + 2 >= n)
				break;
			out[o++] = ' ';
			chars++;
			space = false;
		}
		if (o + 1 >= n)
			break;
		out[o++] = (char)*c;
		chars += lead;
	}
	/* A cut inside a character drops its start. */
	while (o > 0 && ((unsigned char)out[o - 1] & 0x80)) {
		size_t k = o - 1, need;
		while (k > 0 && ((unsigned char)out[k] & 0xc0) == 0x80)
			k--;
		unsigned char b = (unsigned char)out[k];
		need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
		if (o - k == need)
			break;
		o = k;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	if (o == 0)
		return EINVAL;
	lower(out);
	/* Personal data is never stored: a query holding a personnummer or a phone number
	 * is dropped whole. */
	calendar_date_from_days(now / 86400, &today);
	if (looks_like_phone(out))
		goto personal;
	for (const char *p = out; *p;) {
		char tok[64];
		size_t k = strcspn(p, " ");
		if (k > 0 && k < sizeof(tok)) {
			memcpy(tok, p, k);
			tok[k] = '\0';
			if (looks_like_pnr(tok, &today))
				goto personal;
		}
		p += k;
		while (*p == ' ')
			p++;
	}
	return 0;
personal:
	out[0] = '\0';
	return EPERM;
}

int kb_miss_record(struct db *db, const char *q, enum kb_miss_kind kind, int64_t now)
{
	char norm[KB_MISS_QUERY_MAX * 4 + 1];
	struct stmt *s;
	int err = kb_miss_normalize(q, now, norm, sizeof(norm));

	if (err)
		return err;
	/* A search that again finds nothing lists its query again, even once connected:
	 * the connection did not help. An unopened result does not: it found something. */
	err = db_prepare(db, &s,
	                 "INSERT INTO kb_search_misses(query, no_hit, no_click, first_at, last_at)"
	                 " VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT(query) DO UPDATE SET"
	                 " no_hit = no_hit + ?2, no_click = no_click + ?3, last_at = ?4,"
	                 " resolved_at = CASE WHEN ?2 > 0 THEN NULL ELSE resolved_at END,"
	                 " article_id = CASE WHEN ?2 > 0 THEN NULL ELSE article_id END",
	                 true);
	if (err)
		return err;
	stmt_bind_text(s, 1, norm);
	stmt_bind_int(s, 2, kind == KB_MISS_NO_HIT);
	stmt_bind_int(s, 3, kind == KB_MISS_NO_CLICK);
	stmt_bind_int(s, 4, now);
	err = stmt_step(s);
	stmt_done(s);
	return err == DB_DONE ? 0 : err;
}

int kb_misses_top(struct db *db, int64_t from, int64_t to, int64_t limit, json_t **items)
{
	struct stmt *s;
	json_t *a = json_array();
	int err, rc;

	*items = NULL;
	if (!a)
		return ENOMEM;
	err = db_prepare(db, &s,
	                 "SELECT query, no_hit + no_click, no_hit, no_click, first_at, last_at"
	                 " FROM kb_search_misses WHERE resolved_at IS NULL"
	                 " AND (?1 = 0 OR last_at >= ?1) AND (?2 = 0 OR last_at < ?2)"
	                 " ORDER BY no_hit + no_click DESC, last_at DESC, query LIMIT ?3",
	                 true);
	if (err) {
		json_decref(a);
		return err;
	}
	stmt_bind_int(s, 1, from);
	stmt_bind_int(s, 2, to);
	stmt_bind_int(s, 3, limit);
	while ((rc = stmt_step(s)) == DB_ROW)
		json_array_append_new(a, json_pack("{s:s,s:I,s:I,s:I,s:o,s:o}", "query",
		                                   stmt_text(s, 0), "count",
		                                   (json_int_t)stmt_int(s, 1), "no_hit",
		                                   (json_int_t)stmt_int(s, 2), "no_click",
		                                   (json_int_t)stmt_int(s, 3), "first_at",
		                                   kb_time_json(stmt_int(s, 4)), "last_at",
		                                   kb_time_json(stmt_int(s, 5))));
	stmt_done(s);
	if (rc != DB_DONE) {
		json_decref(a);
		return rc;
	}
	*items = a;
	return 0;
}

int kb_misses_resolve(struct db *db, const char *q, int64_t article_id, int64_t now, int *n)
{
	char norm[KB_MISS_QUERY_MAX * 4 + 1];
	struct stmt *s;
	int err;

	*n = 0;
	if (kb_miss_normalize(q, now, norm, sizeof(norm)) != 0)
		return 0; /* never logged */
	err = db_prepare(db, &s,
	                 "UPDATE kb_search_misses SET resolved_at = ?2, article_id = ?3"
	                 " WHERE query = ?1 AND resolved_at IS NULL",
	                 true);
	if (err)
		return err;
	stmt_bind_text(s, 1, norm);
	stmt_bind_int(s, 2, now);
	stmt_bind_int(s, 3, article_id);
	err = stmt_step(s);
	stmt_done(s);
	if (err != DB_DONE)
		return err;
	*n = db_changes(db);
	return 0;
}
