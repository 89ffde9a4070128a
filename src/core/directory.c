/* The switchboard's directory: one query over department contacts and staff users. */
#include "core/directory.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/calendar.h"
#include "core/auth.h"
#include "store/db.h"

/* The FTS5 query for what someone typed: a number (digits with spaces, dashes, plus,
 * parentheses) is a prefix of the `phone` column's digits; anything else is one prefix term
 * per word (letters and digits; bytes from 0x80 up are letters, so å, ä and ö stay in their
 * word), all of which must match. EINVAL when nothing searchable is left or it is too long. */
static int fts_query(const char *q, char *out, size_t cap)
{
	bool number = false, word = false;
	size_t n = 0;
	int w;

	for (const char *p = q; *p; p++) {
		if (*p >= '0' && *p <= '9')
			number = true;
		else if (!strchr(" -+()/", *p))
			break;
		if (p[1] == '\0' && number) {
			w = snprintf(out, cap, "phone : \"");
			n = (size_t)w;
			for (const char *d = q; *d; d++) {
				if (*d < '0' || *d > '9')
					continue;
				if (n + 4 >= cap)
					return EINVAL;
				out[n++] = *d;
			}
			memcpy(out + n, "\"*", 3);
			return 0;
		}
	}
	for (const char *p = q;; p++) {
		unsigned char c = (unsigned char)*p;
		bool in = c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		          (c >= 'A' && c <= 'Z');

		if (in && !word) {
			const char *sep = n ? " AND \"" : "\"";
			if (n + strlen(sep) + 4 >= cap)
				return EINVAL;
			memcpy(out + n, sep, strlen(sep));
			n += strlen(sep);
			word = true;
		}
		if (!in && word) {
			memcpy(out + n, "\"*", 2);
			n += 2;
			word = false;
		}
		if (!c)
			break;
		if (in) {
			if (n + 4 >= cap)
				return EINVAL;
			out[n++] = (char)c;
		}
	}
	if (!n)
		return EINVAL;
	out[n] = '\0';
	return 0;
}

/* ?1 the FTS5 query, ?2 limit, ?3 offset. The page is chosen from the hits' rowids and
 * directory_entries' (kind, name) alone; only its rows then read their text from the index,
 * their phone hours and their presence (rowid 2·id is a contact, 2·id + 1 a user). */
#define DIRECTORY_PAGE                                                                             \
	"SELECT CASE e.kind WHEN 0 THEN 'contact' ELSE 'staff' END, e.id / 2, e.name, f.unit,"     \
	" f.role, c.phone, c.phone_hours, p.status, p.until FROM (SELECT id, kind, name"           \
	" FROM directory_entries WHERE id IN"                                                      \
	" (SELECT rowid FROM directory_fts WHERE directory_fts MATCH ?1)"                          \
	" ORDER BY kind, name, id LIMIT ?2 OFFSET ?3) e"                                           \
	" JOIN directory_fts f ON f.rowid = e.id"                                                  \
	" LEFT JOIN contacts c ON e.kind = 0 AND c.id = e.id / 2"                                  \
	" LEFT JOIN directory_presence p ON e.kind = 1 AND p.user_id = e.id / 2"                   \
	" ORDER BY e.kind, e.name, e.id"

/* On PostgreSQL directory_entries holds the text and its words (store/schema.c, migration
 * 16): a number is a prefix of a word of `digits`, anything else every word a prefix of a
 * word of `words` (lotsen_dir_query splits and lower-cases the text as the documents). */
#define DIRECTORY_PAGE_PG(match)                                                                   \
	"SELECT CASE e.kind WHEN 0 THEN 'contact' ELSE 'staff' END, e.id / 2, e.name, e.unit,"     \
	" e.role, c.phone, c.phone_hours, p.status, p.until FROM (SELECT id, kind, name, unit,"    \
	" role FROM directory_entries WHERE " match                                                \
	" ORDER BY kind, name, id LIMIT ?2 OFFSET ?3) e"                                           \
	" LEFT JOIN contacts c ON e.kind = 0 AND c.id = e.id / 2"                                  \
	" LEFT JOIN directory_presence p ON e.kind = 1 AND p.user_id = e.id / 2"                   \
	" ORDER BY e.kind, e.name, e.id"
#define DIRECTORY_NUMBER_PG "digits @@ CAST(?1 AS tsquery)"
#define DIRECTORY_WORDS_PG  "words @@ lotsen_dir_query(?1)"

/* The PostgreSQL query for fts_query's: a number's digits as a prefix tsquery ('0850':*),
 * or the text as typed. */
static void pg_query(const char *q, const char *pat, char *out, size_t cap, bool *number)
{
	static const char phone[] = "phone : \"";

	*number = strncmp(pat, phone, sizeof(phone) - 1) == 0;
	if (*number) {
		const char *d = pat + sizeof(phone) - 1;
		snprintf(out, cap, "'%.*s':*", (int)strspn(d, "0123456789"), d);
	} else {
		snprintf(out, cap, "%s", q);
	}
}

int directory_search(struct db *db, const char *q, int64_t limit, int64_t offset, json_t **items,
                     int64_t *total)
{
	static const char sql[] = DIRECTORY_PAGE;
	static const char count[] =
	        "SELECT COUNT(*) FROM directory_fts WHERE directory_fts MATCH ?1";
	static const char sql_pg_number[] = DIRECTORY_PAGE_PG(DIRECTORY_NUMBER_PG);
	static const char sql_pg_words[] = DIRECTORY_PAGE_PG(DIRECTORY_WORDS_PG);
	static const char count_pg_number[] =
	        "SELECT COUNT(*) FROM directory_entries WHERE " DIRECTORY_NUMBER_PG;
	static const char count_pg_words[] =
	        "SELECT COUNT(*) FROM directory_entries WHERE " DIRECTORY_WORDS_PG;
	bool pg = db_dialect(db) == DB_POSTGRES, number = false;
	char pat[512];
	struct stmt *s;
	json_t *a;
	int err;

	err = fts_query(q, pat, sizeof(pat));
	if (err)
		return err;
	if (pg) {
		char fts[sizeof(pat)];
		memcpy(fts, pat, sizeof(pat));
		pg_query(q, fts, pat, sizeof(pat), &number);
	}
	err = db_prepare(db, &s, !pg ? count : number ? count_pg_number : count_pg_words, true);
	if (err)
		return err;
	stmt_bind_text(s, 1, pat);
	err = stmt_step(s);
	*total = err == DB_ROW ? stmt_int(s, 0) : 0;
	stmt_done(s);
	if (err != DB_ROW)
		return err == DB_DONE ? EIO : err;
	err = db_prepare(db, &s, !pg ? sql : number ? sql_pg_number : sql_pg_words, true);
	if (err)
		return err;
	stmt_bind_text(s, 1, pat);
	stmt_bind_int(s, 2, limit);
	stmt_bind_int(s, 3, offset);
	a = json_array();
	while ((err = stmt_step(s)) == DB_ROW) {
		json_t *o = json_object();
		const char *hours = stmt_text(s, 6);
		json_object_set_new(o, "kind", json_string(stmt_text(s, 0)));
		json_object_set_new(o, "id", json_integer(stmt_int(s, 1)));
		json_object_set_new(o, "name", json_string(stmt_text(s, 2)));
		json_object_set_new(
		        o, "unit", stmt_is_null(s, 3) ? json_null() : json_string(stmt_text(s, 3)));
		json_object_set_new(
		        o, "role", stmt_is_null(s, 4) ? json_null() : json_string(stmt_text(s, 4)));
		json_object_set_new(o, "phone",
		                    stmt_is_null(s, 5) ? json_null()
		                                       : json_string(stmt_text(s, 5)));
		json_object_set_new(o, "phone_hours",
		                    hours ? json_loads(hours, 0, NULL) : json_null());
		if (!json_object_get(o, "phone_hours"))
			json_object_set_new(o, "phone_hours", json_null());
		json_object_set_new(o, "presence",
		                    stmt_is_null(s, 7) ? json_null()
		                                       : json_string(stmt_text(s, 7)));
		if (!stmt_is_null(s, 8) && stmt_int(s, 8) > 0) {
			char buf[32];
			calendar_format_iso8601(stmt_int(s, 8), buf);
			json_object_set_new(o, "presence_until", json_string(buf));
		} else {
			json_object_set_new(o, "presence_until", json_null());
		}
		json_array_append_new(a, o);
	}
	stmt_done(s);
	if (err != DB_DONE) {
		json_decref(a);
		return err;
	}
	*items = a;
	return 0;
}

int directory_set_presence(struct db *db, int64_t user_id, const char *status, int64_t until,
                           int64_t now)
{
	static const char sql[] = "INSERT INTO directory_presence(user_id, status, until, set_at)"
	                          " VALUES(?,?,?,?) ON CONFLICT(user_id) DO UPDATE SET"
	                          " status = excluded.status, until = excluded.until,"
	                          " set_at = excluded.set_at";
	struct stmt *s;
	int err;

	if (!status || (strcmp(status, "in") != 0 && strcmp(status, "away") != 0 &&
	                strcmp(status, "meeting") != 0))
		return EINVAL;
	err = db_prepare(db, &s, sql, true);
	if (err)
		return err;
	stmt_bind_int(s, 1, user_id);
	stmt_bind_text(s, 2, status);
	stmt_bind_id(s, 3, until);
	stmt_bind_int(s, 4, now);
	err = stmt_step(s);
	stmt_done(s);
	return err == DB_DONE ? 0 : err;
}

int directory_presence_allowed(struct db *db, const struct principal *who, int64_t user_id)
{
	if (!db_scalar_int(db,
	                   "SELECT 1 FROM users WHERE id = ? AND active = 1"
	                   " AND role <> 'client_viewer'",
	                   user_id))
		return ENOENT;
	if (who->id == user_id || who->role == ROLE_MANAGER || who->role == ROLE_ADMIN)
		return 0;
	if (who->role != ROLE_GROUP_LEAD)
		return EPERM;
	return db_scalar_int(db,
	                     "SELECT 1 FROM user_groups l JOIN user_groups a"
	                     " ON a.group_id = l.group_id WHERE l.user_id = ? AND a.user_id = ?",
	                     who->id, user_id)
	               ? 0
	               : EPERM;
}
