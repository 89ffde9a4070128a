/* The feedback loop: flags on articles, questions with no article, which article answered
 * a case, and the statistics the owners steer by. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb/kb.h"
#include "kb/kb_art.h"
#include "kb/kb_int.h"
#include "store/db.h"

static int step_done(struct stmt *s)
{
	int rc = stmt_step(s);

	stmt_done(s);
	return rc == DB_DONE ? 0 : rc;
}

static int notify(struct db *db, int64_t user_id, const char *message, int64_t now)
{
	struct stmt *s;
	int err = db_prepare(db, &s,
	                     "INSERT INTO notifications(user_id, kind, message, created_at)"
	                     " VALUES (?, 'kb_flag', ?, ?)",
	                     true);

	if (err)
		return err;
	stmt_bind_int(s, 1, user_id);
	stmt_bind_text(s, 2, message);
	stmt_bind_int(s, 3, now);
	return step_done(s);
}

static const char *text_field(struct verrors *v, const json_t *in, const char *field, size_t max)
{
	const json_t *x = json_object_get(in, field);

	if (!json_is_string(x) || json_string_length(x) == 0 || json_string_length(x) > max) {
		valid_add(v, field, VL(v, "Krävs, 1–%zu tecken.", "Required, 1–%zu characters."),
		          max);
		return NULL;
	}
	return json_string_value(x);
}

static void unknown_fields(struct verrors *v, const json_t *in, const char *const *known,
                           const char *list)
{
	const char *key;
	json_t *x;

	json_object_foreach((json_t *)in, key, x)
	{
		bool ok = false;
		for (size_t i = 0; known[i]; i++)
			ok |= strcmp(key, known[i]) == 0;
		if (!ok)
			valid_add(
			        v, key,
			        VL(v, "Okänt fält. Tillåtna: %s.", "Unknown field. Accepted: %s."),
			        list);
	}
}

static int64_t group_field(struct db *db, struct verrors *v, const json_t *in)
{
	const json_t *g = json_object_get(in, "group_id");
	struct stmt *s;
	bool found = false;

	if (!g || json_is_null(g))
		return 0;
	if (!json_is_integer(g)) {
		valid_add(v, "group_id", "%s",
		          VL(v, "Ska vara ett grupp-id.", "Must be a group id."));
		return 0;
	}
	if (!db_prepare(db, &s, "SELECT 1 FROM groups WHERE id = ?", true)) {
		stmt_bind_int(s, 1, json_integer_value(g));
		found = stmt_step(s) == DB_ROW;
		stmt_done(s);
	}
	if (!found) {
		valid_add(v, "group_id",
		          VL(v, "Det finns ingen svarsgrupp med id %lld.",
		             "There is no group with id %lld."),
		          (long long)json_integer_value(g));
		return 0;
	}
	return json_integer_value(g);
}

int kb_flag_create(struct db *db, const struct principal *p, int64_t article_id, const json_t *in,
                   int64_t now, int64_t *idp, struct verrors *v)
{
	static const char *const known[] = {"kind", "message", "group_id", NULL};
	json_t *art;
	struct stmt *s;
	const char *kind, *message;
	int64_t owner, group;
	char note[300];
	int err = kb_art_load(db, article_id, &art);

	*idp = 0;
	if (err)
		return err;
	if (!kb_can_read(p, art)) {
		json_decref(art);
		return ENOENT;
	}
	unknown_fields(v, in, known, "kind, message, group_id");
	kind = json_string_value(json_object_get(in, "kind"));
	if (!kind || !(strcmp(kind, "wrong") == 0 || strcmp(kind, "incomplete") == 0 ||
	               strcmp(kind, "outdated") == 0))
		valid_add(v, "kind", "%s",
		          VL(v,
		             "Tillåtna: wrong (fel), incomplete (saknar något), outdated "
		             "(inaktuell).",
		             "Accepted: wrong, incomplete, outdated."));
	message = text_field(v, in, "message", 2000);
	group = group_field(db, v, in);
	if (valid_has_errors(v)) {
		json_decref(art);
		return EBADMSG;
	}
	owner = json_integer_value(json_object_get(art, "owner_id"));
	err = db_begin(db);
	if (!err)
		err = db_prepare(
		        db, &s,
		        "INSERT INTO kb_flags(article_id, kind, message, group_id, created_by,"
		        " created_at, owner_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
		        true);
	if (!err) {
		stmt_bind_int(s, 1, article_id);
		stmt_bind_text(s, 2, kind);
		stmt_bind_text(s, 3, message);
		stmt_bind_id(s, 4, group);
		stmt_bind_id(s, 5, p ? p->id : 0);
		stmt_bind_int(s, 6, now);
		stmt_bind_id(s, 7, owner);
		err = step_done(s);
	}
	if (!err)
		*idp = db_last_id(db);
	/* The owner hears of it at once; the flag stays open until someone closes it. */
	if (!err && owner) {
		snprintf(note, sizeof(note), "Artikeln \"%.200s\" har flaggats (%s).",
		         json_string_value(json_object_get(art, "title")), kind);
		err = notify(db, owner, note, now);
	}
	if (!err)
		err = db_commit(db);
	if (err) {
		db_rollback(db);
		*idp = 0;
	}
	json_decref(art);
	return err;
}

int kb_missing_create(struct db *db, const struct principal *p, const json_t *in, int64_t now,
                      int64_t *idp, struct verrors *v)
{
	static const char *const known[] = {"question", "group_id", NULL};
	struct stmt *s;
	const char *q;
	int64_t group;
	int err;

	*idp = 0;
	unknown_fields(v, in, known, "question, group_id");
	q = text_field(v, in, "question", 1000);
	group = group_field(db, v, in);
	if (valid_has_errors(v))
		return EBADMSG;
	err = db_prepare(
	        db, &s,
	        "INSERT INTO kb_flags(article_id, kind, message, group_id, created_by, created_at)"
	        " VALUES (NULL, 'missing', ?, ?, ?, ?)",
	        true);
	if (err)
		return err;
	stmt_bind_text(s, 1, q);
	stmt_bind_id(s, 2, group);
	stmt_bind_id(s, 3, p ? p->id : 0);
	stmt_bind_int(s, 4, now);
	err = step_done(s);
	if (!err)
		*idp = db_last_id(db);
	return err;
}

/* Who may see and close a flag: leads, managers and admins all; the article's owner;
 * a department contact the flags on its department's articles; an agent its own. */
static bool flag_visible(const struct principal *p, const json_t *art, int64_t created_by,
                         int64_t owner)
{
	if (!p || p->role == ROLE_GROUP_LEAD || p->role == ROLE_MANAGER || p->role == ROLE_ADMIN)
		return true;
	if (p->id && (p->id == owner || p->id == created_by))
		return true;
	if (p->role == ROLE_CLIENT_VIEWER && art) {
		int64_t ids[64];
		size_t n = 0, i;
		json_t *x;
		json_array_foreach(json_object_get(art, "clients"), i, x) if (n < 64) ids[n++] =
		        json_integer_value(x);
		return kb_can_edit(p, ids, n);
	}
	return false;
}

static bool flag_closable(const struct principal *p, const json_t *art, int64_t owner)
{
	if (p && p->role == ROLE_AGENT)
		return p->id == owner;
	return flag_visible(p, art, 0, owner);
}

int kb_flags_list(struct db *db, const struct principal *p, const char *status, json_t **items)
{
	struct stmt *s;
	json_t *arr;
	int err = db_prepare(
	        db, &s,
	        "SELECT f.id, f.article_id, a.slug, a.title, f.kind, f.message, f.group_id,"
	        " f.created_by, u.display_name, f.created_at, f.owner_id, f.status, f.closed_by,"
	        " f.closed_at, f.note FROM kb_flags f LEFT JOIN kb_articles a ON a.id = "
	        "f.article_id"
	        " LEFT JOIN users u ON u.id = f.created_by WHERE (?1 IS NULL OR f.status = ?1)"
	        " ORDER BY f.created_at DESC, f.id DESC LIMIT 1000",
	        true);

	*items = NULL;
	if (err)
		return err;
	arr = json_array();
	stmt_bind_text(s, 1, status);
	while (stmt_step(s) == DB_ROW) {
		int64_t by = stmt_int(s, 7), owner = stmt_int(s, 10);
		json_t *o =
		        json_pack("{s:I,s:s,s:s,s:o,s:s}", "id", (json_int_t)stmt_int(s, 0), "kind",
		                  stmt_text(s, 4), "message", stmt_text(s, 5), "created_at",
		                  kb_time_json(stmt_int(s, 9)), "status", stmt_text(s, 11));
#define OPT_INT(key, col)                                                                          \
	json_object_set_new(o, key,                                                                \
	                    stmt_is_null(s, col) ? json_null() : json_integer(stmt_int(s, col)))
#define OPT_STR(key, col)                                                                          \
	json_object_set_new(o, key,                                                                \
	                    stmt_is_null(s, col) ? json_null() : json_string(stmt_text(s, col)))
		OPT_INT("article_id", 1);
		OPT_STR("slug", 2);
		OPT_STR("title", 3);
		OPT_INT("group_id", 6);
		OPT_INT("created_by", 7);
		OPT_STR("created_by_name", 8);
		OPT_INT("owner_id", 10);
		OPT_INT("closed_by", 12);
		json_object_set_new(o, "closed_at",
		                    stmt_is_null(s, 13) ? json_null()
		                                        : kb_time_json(stmt_int(s, 13)));
		OPT_STR("note", 14);
#undef OPT_INT
#undef OPT_STR
		json_object_set_new(o, "_by", json_integer(by));
		json_object_set_new(o, "_owner", json_integer(owner));
		json_array_append_new(arr, o);
	}
	stmt_done(s);
	/* Filter by permission once the list statement is released: loading an article
	 * meanwhile would run other statements in the middle of this one. */
	json_t *out = json_array();
	size_t i;
	json_t *o;
	json_array_foreach(arr, i, o)
	{
		int64_t aid = json_integer_value(json_object_get(o, "article_id"));
		json_t *art = NULL;
		if (aid)
			kb_art_load(db, aid, &art);
		if (flag_visible(p, art, json_integer_value(json_object_get(o, "_by")),
		                 json_integer_value(json_object_get(o, "_owner")))) {
			json_object_del(o, "_by");
			json_object_del(o, "_owner");
			json_array_append(out, o);
		}
		json_decref(art);
	}
	json_decref(arr);
	*items = out;
	return 0;
}

int kb_flag_close(struct db *db, const struct principal *p, int64_t flag_id, const json_t *in,
                  int64_t now, struct verrors *v)
{
	static const char *const known[] = {"status", "note", NULL};
	struct stmt *s;
	int64_t aid = 0, owner = 0;
	bool found = false, open = false;
	json_t *art = NULL;
	const char *note;
	int err = db_prepare(
	        db, &s, "SELECT article_id, owner_id, status FROM kb_flags WHERE id = ?", true);

	if (err)
		return err;
	stmt_bind_int(s, 1, flag_id);
	if (stmt_step(s) == DB_ROW) {
		found = true;
		aid = stmt_int(s, 0);
		owner = stmt_int(s, 1);
		open = strcmp(stmt_text(s, 2), "open") == 0;
	}
	stmt_done(s);
	if (!found)
		return ENOENT;
	if (aid)
		kb_art_load(db, aid, &art);
	if (!flag_closable(p, art, owner)) {
		json_decref(art);
		return EPERM;
	}
	json_decref(art);
	unknown_fields(v, in, known, "status, note");
	const char *st = json_string_value(json_object_get(in, "status"));
	if (!st || strcmp(st, "closed") != 0)
		valid_add(v, "status", "%s",
		          VL(v, "Ange \"closed\" för att stänga flaggan.",
		             "Give \"closed\" to close the flag."));
	note = text_field(v, in, "note", 2000);
	if (valid_has_errors(v))
		return EBADMSG;
	if (!open)
		return EEXIST;
	err = db_prepare(
	        db, &s,
	        "UPDATE kb_flags SET status = 'closed', closed_by = ?, closed_at = ?, note = ?"
	        " WHERE id = ? AND status = 'open'",
	        true);
	if (err)
		return err;
	stmt_bind_id(s, 1, p ? p->id : 0);
	stmt_bind_int(s, 2, now);
	stmt_bind_text(s, 3, note);
	stmt_bind_int(s, 4, flag_id);
	return step_done(s);
}

int kb_case_link(struct db *db, const struct principal *p, int64_t case_id, int64_t article_id,
                 int64_t now)
{
	static const struct principal nobody = {0};
	struct stmt *s;
	struct case_access ca;
	bool found;
	json_t *art;
	/* Linking an article is a change to the case: the case's own rule decides. */
	int err = auth_case_load(db, p ? p : &nobody, case_id, &ca);

	if (err)
		return err;
	if (p && !auth_can_write_case(p, &ca))
		return EPERM;
	err = kb_art_load(db, article_id, &art);
	if (err)
		return err;
	found = kb_can_read(p, art);
	json_decref(art);
	if (!found)
		return ENOENT;
	err = db_prepare(db, &s,
	                 "INSERT INTO kb_case_articles(case_id, article_id, user_id, created_at)"
	                 " VALUES (?, ?, ?, ?) ON CONFLICT (case_id, article_id) DO NOTHING",
	                 true);
	if (err)
		return err;
	stmt_bind_int(s, 1, case_id);
	stmt_bind_int(s, 2, article_id);
	stmt_bind_id(s, 3, p ? p->id : 0);
	stmt_bind_int(s, 4, now);
	return step_done(s);
}

int kb_stats(struct db *db, const struct principal *p, int64_t from, int64_t to, json_t **out)
{
	struct stmt *s;
	json_t *used = json_array(), *missing = json_array(), *searches = NULL;
	int64_t open = 0;
	int err;

	*out = NULL;
	err = db_prepare(
	        db, &s,
	        "SELECT a.id, a.slug, a.title, COUNT(*) AS uses FROM kb_case_articles l"
	        " JOIN kb_articles a ON a.id = l.article_id JOIN cases c ON c.id = l.case_id"
	        " WHERE (?1 = 0 OR c.received_at >= ?1) AND (?2 = 0 OR c.received_at < ?2)"
	        " GROUP BY a.id ORDER BY uses DESC, a.id LIMIT 20",
	        true);
	if (err)
		goto out;
	stmt_bind_int(s, 1, from);
	stmt_bind_int(s, 2, to);
	while (stmt_step(s) == DB_ROW)
		json_array_append_new(used, json_pack("{s:I,s:s,s:s,s:I}", "id",
		                                      (json_int_t)stmt_int(s, 0), "slug",
		                                      stmt_text(s, 1), "title", stmt_text(s, 2),
		                                      "uses", (json_int_t)stmt_int(s, 3)));
	stmt_done(s);
	/* The same question asked again is the signal: group by its text, case-folded. */
	err = db_prepare(db, &s,
	                 "SELECT MIN(message), COUNT(*), MAX(created_at),"
	                 " SUM(status = 'open') FROM kb_flags WHERE kind = 'missing'"
	                 " AND (?1 = 0 OR created_at >= ?1) AND (?2 = 0 OR created_at < ?2)"
	                 " GROUP BY lower(trim(message)) ORDER BY COUNT(*) DESC, MAX(created_at) "
	                 "DESC LIMIT 50",
	                 true);
	if (err)
		goto out;
	stmt_bind_int(s, 1, from);
	stmt_bind_int(s, 2, to);
	while (stmt_step(s) == DB_ROW)
		json_array_append_new(missing,
		                      json_pack("{s:s,s:I,s:o,s:I}", "question", stmt_text(s, 0),
		                                "count", (json_int_t)stmt_int(s, 1), "last_at",
		                                kb_time_json(stmt_int(s, 2)), "open",
		                                (json_int_t)stmt_int(s, 3)));
	stmt_done(s);
	err = db_prepare(
	        db, &s, "SELECT COUNT(*) FROM kb_flags WHERE status = 'open' AND kind <> 'missing'",
	        true);
	if (err)
		goto out;
	if (stmt_step(s) == DB_ROW)
		open = stmt_int(s, 0);
	stmt_done(s);
	err = kb_misses_top(db, from, to, 20, &searches);
	if (err)
		goto out;
	*out = json_pack("{s:O,s:O,s:O,s:I}", "most_used", used, "missing", missing,
	                 "missed_searches", searches, "open_flags", (json_int_t)open);
	if (!*out)
		err = ENOMEM;
out:
	json_decref(used);
	json_decref(missing);
	json_decref(searches);
	return err;
}
