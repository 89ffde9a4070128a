/* The switchboard's directory: one query over department contacts and staff users. */
#include "core/directory.h"

#include <errno.h>
#include <string.h>

#include "base/calendar.h"
#include "store/db.h"

/* ?1 the pattern (%q% in lower case), ?2 limit, ?3 offset. Staff are the active users
 * other than client viewers; their presence is their own row, else unknown. */
#define DIRECTORY_ROWS                                                                             \
	"SELECT 'contact' AS kind, c.id, c.name, COALESCE(cu.name, cl.name) AS unit, c.role,"      \
	" c.phone, c.phone_hours, NULL AS presence, NULL AS until"                                 \
	" FROM contacts c JOIN clients cl ON cl.id = c.client_id"                                  \
	" LEFT JOIN client_units cu ON cu.id = c.client_unit_id WHERE c.active = 1"                \
	" UNION ALL"                                                                               \
	" SELECT 'staff', u.id, u.display_name, un.name, u.role, NULL, NULL, p.status, p.until"    \
	" FROM users u LEFT JOIN units un ON un.id = u.unit_id"                                    \
	" LEFT JOIN directory_presence p ON p.user_id = u.id"                                      \
	" WHERE u.active = 1 AND u.role <> 'client_viewer'"

#define DIRECTORY_MATCH                                                                            \
	" WHERE lower(name) LIKE ?1 OR lower(COALESCE(unit,'')) LIKE ?1"                           \
	" OR lower(COALESCE(role,'')) LIKE ?1 OR COALESCE(phone,'') LIKE ?1"

static int like_pattern(const char *q, char *out, size_t cap)
{
	size_t n = 0;

	if (cap < 3)
		return EINVAL;
	out[n++] = '%';
	for (const char *p = q; *p; p++) {
		char c = *p;
		if (c == '%' || c == '_')
			continue; /* no wildcards from the searcher */
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (n + 2 >= cap)
			return EINVAL;
		out[n++] = c;
	}
	out[n++] = '%';
	out[n] = '\0';
	return 0;
}

int directory_search(struct db *db, const char *q, int64_t limit, int64_t offset, json_t **items,
                     int64_t *total)
{
	static const char sql[] = "SELECT * FROM (" DIRECTORY_ROWS ")" DIRECTORY_MATCH
	                          " ORDER BY kind, name, id LIMIT ?2 OFFSET ?3";
	static const char count[] = "SELECT COUNT(*) FROM (" DIRECTORY_ROWS ")" DIRECTORY_MATCH;
	char pat[512];
	struct stmt *s;
	json_t *a;
	int err;

	err = like_pattern(q, pat, sizeof(pat));
	if (err)
		return err;
	err = db_prepare(db, &s, count, true);
	if (err)
		return err;
	stmt_bind_text(s, 1, pat);
	err = stmt_step(s);
	*total = err == DB_ROW ? stmt_int(s, 0) : 0;
	stmt_done(s);
	if (err != DB_ROW)
		return err == DB_DONE ? EIO : err;
	err = db_prepare(db, &s, sql, true);
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
