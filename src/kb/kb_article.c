/* Articles: validation, permissions, storage with a version per edit, the search row. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb/kb.h"
#include "base/calendar.h"
#include "kb/kb_int.h"
#include "kb/kb_art.h"
#include "store/db.h"

json_t *kb_time_json(int64_t t)
{
	char buf[21];

	calendar_format_iso8601(t, buf);
	return json_string(buf);
}

static const char *const kinds[] = {"qa", "routine", "checklist", "news", "notice"};
static const char *const statuses[] = {"draft", "published", "archived"};

bool kb_kind_valid(const char *s)
{
	for (size_t i = 0; s && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(s, kinds[i]) == 0)
			return true;
	return false;
}

bool kb_status_valid(const char *s)
{
	for (size_t i = 0; s && i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (strcmp(s, statuses[i]) == 0)
			return true;
	return false;
}

/* ================================================================================
 * The rules
 * ================================================================================ */

bool kb_can_edit(const struct principal *p, const int64_t *client_ids, size_t n)
{
	if (!p)
		return true; /* the system itself: import and demo load */
	switch (p->role) {
	case ROLE_GROUP_LEAD:
	case ROLE_MANAGER:
	case ROLE_ADMIN:
		return true;
	case ROLE_CLIENT_VIEWER:
		if (!p->client_id || n == 0)
			return false;
		for (size_t i = 0; i < n; i++)
			if (client_ids[i] != p->client_id)
				return false;
		return true;
	case ROLE_AGENT:
	case ROLE_WALLBOARD:
		return false;
	}
	return false;
}

static bool can_edit_json(const struct principal *p, const json_t *art)
{
	const json_t *cl = json_object_get(art, "clients");
	int64_t ids[64];
	size_t n = 0, i;
	json_t *x;

	json_array_foreach(cl, i, x)
	{
		if (n < 64)
			ids[n++] = json_integer_value(x);
	}
	if (json_array_size(cl) > 64)
		return p == NULL || p->role != ROLE_CLIENT_VIEWER;
	return kb_can_edit(p, ids, n);
}

/* Who may read an article: staff read what is published, editors also drafts; a
 * department contact reads its own department's articles. */
bool kb_can_read(const struct principal *p, const json_t *art)
{
	const char *status = json_string_value(json_object_get(art, "status"));

	if (!p)
		return true;
	if (p->role == ROLE_CLIENT_VIEWER)
		return can_edit_json(p, art);
	if (status && strcmp(status, "published") == 0)
		return true;
	return can_edit_json(p, art) ||
	       json_integer_value(json_object_get(art, "owner_id")) == p->id;
}

/* ================================================================================
 * Loading
 * ================================================================================ */

static json_t *col_str(struct stmt *s, int col)
{
	return stmt_is_null(s, col) ? json_null() : json_string(stmt_text(s, col));
}

static int ids_into(struct db *db, const char *sql, int64_t id, json_t *arr)
{
	struct stmt *s;
	int err = db_prepare(db, &s, sql, true), rc;

	if (err)
		return err;
	stmt_bind_int(s, 1, id);
	while ((rc = stmt_step(s)) == DB_ROW)
		json_array_append_new(arr, stmt_col_is_int(s, 0) ? json_integer(stmt_int(s, 0))
		                                                 : json_string(stmt_text(s, 0)));
	stmt_done(s);
	return rc == DB_DONE ? 0 : rc;
}

int kb_art_load(struct db *db, int64_t id, json_t **out)
{
	struct stmt *s;
	json_t *o = NULL;
	int err = db_prepare(db, &s,
	                     "SELECT id, slug, kind, title, body, status, owner_id, review_date,"
	                     " valid_from, valid_to, version, created_at, updated_at, updated_by"
	                     " FROM kb_articles WHERE id = ?",
	                     true);

	*out = NULL;
	if (err)
		return err;
	stmt_bind_int(s, 1, id);
	if (stmt_step(s) == DB_ROW) {
		o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:I,s:o,s:o}", "id",
		              (json_int_t)stmt_int(s, 0), "slug", stmt_text(s, 1), "kind",
		              stmt_text(s, 2), "title", stmt_text(s, 3), "body", stmt_text(s, 4),
		              "status", stmt_text(s, 5), "version", (json_int_t)stmt_int(s, 10),
		              "created_at", kb_time_json(stmt_int(s, 11)), "updated_at",
		              kb_time_json(stmt_int(s, 12)));
		if (o) {
			json_object_set_new(o, "owner_id",
			                    stmt_is_null(s, 6) ? json_null()
			                                       : json_integer(stmt_int(s, 6)));
			json_object_set_new(o, "review_date", col_str(s, 7));
			json_object_set_new(o, "valid_from", col_str(s, 8));
			json_object_set_new(o, "valid_to", col_str(s, 9));
			json_object_set_new(o, "updated_by",
			                    stmt_is_null(s, 13) ? json_null()
			                                        : json_integer(stmt_int(s, 13)));
		}
	}
	stmt_done(s);
	if (!o)
		return ENOENT;
	json_object_set_new(o, "groups", json_array());
	json_object_set_new(o, "clients", json_array());
	json_object_set_new(o, "categories", json_array());
	json_object_set_new(o, "tags", json_array());
	err = ids_into(
	        db, "SELECT group_id FROM kb_article_groups WHERE article_id = ? ORDER BY group_id",
	        id, json_object_get(o, "groups"));
	if (!err)
		err = ids_into(db,
		               "SELECT client_id FROM kb_article_clients WHERE article_id = ? "
		               "ORDER BY client_id",
		               id, json_object_get(o, "clients"));
	if (!err)
		err = ids_into(db,
		               "SELECT category_id FROM kb_article_categories WHERE article_id = ?"
		               " ORDER BY category_id",
		               id, json_object_get(o, "categories"));
	if (!err)
		err = ids_into(
		        db, "SELECT tag FROM kb_article_tags WHERE article_id = ? ORDER BY rowid",
		        id, json_object_get(o, "tags"));
	if (err) {
		json_decref(o);
		return err;
	}
	*out = o;
	return 0;
}

int kb_article_find_slug(struct db *db, const char *slug, int64_t *idp)
{
	struct stmt *s;
	int err = db_prepare(db, &s, "SELECT id FROM kb_articles WHERE slug = ?", true);

	*idp = 0;
	if (err)
		return err;
	stmt_bind_text(s, 1, slug);
	if (stmt_step(s) == DB_ROW)
		*idp = stmt_int(s, 0);
	stmt_done(s);
	return *idp ? 0 : ENOENT;
}

/* ================================================================================
 * Validation
 * ================================================================================ */

static bool slug_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 80 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

/* "Parkeringstillstånd för rörelsehindrade" → "parkeringstillstand-for-rorelsehindrade". */
static void slug_from_title(const char *t, char out[81])
{
	size_t n = 0;
	bool dash = false;

	for (const unsigned char *p = (const unsigned char *)t; *p && n < 80; p++) {
		char c = 0;
		if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
			c = (char)*p;
		else if (*p >= 'A' && *p <= 'Z')
			c = (char)(*p + 32);
		else if (*p == 0xc3 && p[1]) {
			unsigned char d = p[1];
			p++;
			if (d == 0xa5 || d == 0xa4 || d == 0x85 || d == 0x84 || d == 0xa0 ||
			    d == 0xa1)
				c = 'a';
			else if (d == 0xb6 || d == 0x96 || d == 0xb3)
				c = 'o';
			else if (d == 0xa9 || d == 0xa8 || d == 0x89)
				c = 'e';
			else if (d == 0xbc || d == 0x9c)
				c = 'u';
		}
		if (c) {
			if (dash && n > 0 && n < 79)
				out[n++] = '-';
			dash = false;
			out[n++] = c;
		} else {
			dash = true;
		}
	}
	out[n] = '\0';
	if (n == 0) {
		out[0] = 'a';
		out[1] = '\0';
	}
}

static bool row_exists(struct db *db, const char *sql, int64_t id)
{
	struct stmt *s;
	bool yes = false;

	if (db_prepare(db, &s, sql, true))
		return false;
	stmt_bind_int(s, 1, id);
	yes = stmt_step(s) == DB_ROW;
	stmt_done(s);
	return yes;
}

static void check_ids(struct db *db, struct verrors *v, json_t *next, const json_t *in,
                      const char *field, const char *sql, const char *sv_what, const char *en_what)
{
	const json_t *a = json_object_get(in, field);
	json_t *x, *out;
	size_t i;

	if (!a)
		return;
	if (!json_is_array(a)) {
		valid_add(v, field, "%s",
		          VL(v, "Ska vara en lista med id, t.ex. [1, 2].",
		             "Must be a list of ids, e.g. [1, 2]."));
		return;
	}
	out = json_array();
	json_array_foreach(a, i, x)
	{
		if (!json_is_integer(x) || json_integer_value(x) <= 0) {
			valid_add(v, field,
			          VL(v, "Element %zu är inget positivt heltal.",
			             "Element %zu is not a positive integer."),
			          i);
			continue;
		}
		if (!row_exists(db, sql, json_integer_value(x))) {
			valid_add(v, field,
			          VL(v, "Det finns ingen %s med id %lld.",
			             "There is no %s with id %lld."),
			          VL(v, sv_what, en_what), (long long)json_integer_value(x));
			continue;
		}
		bool dup = false;
		size_t k;
		json_t *y;
		json_array_foreach(out, k, y) dup |= json_integer_value(y) == json_integer_value(x);
		if (!dup)
			json_array_append(out, x);
	}
	/* Kept in id order, as loaded, so that the same set compares equal. */
	for (size_t k = 1; k < json_array_size(out); k++)
		for (size_t b = k; b > 0 && json_integer_value(json_array_get(out, b - 1)) >
		                                    json_integer_value(json_array_get(out, b));
		     b--) {
			json_t *t = json_incref(json_array_get(out, b));
			json_array_set(out, b, json_array_get(out, b - 1));
			json_array_set_new(out, b - 1, t);
		}
	json_object_set_new(next, field, out);
}

static void check_date(struct verrors *v, json_t *next, const json_t *in, const char *field)
{
	const json_t *x = json_object_get(in, field);

	if (!x)
		return;
	if (json_is_null(x) || (json_is_string(x) && json_string_length(x) == 0)) {
		json_object_set_new(next, field, json_null());
		return;
	}
	if (!json_is_string(x) || !kb_date_valid(json_string_value(x))) {
		valid_add(v, field, "%s",
		          VL(v, "Ska vara ett datum ÅÅÅÅ-MM-DD eller null.",
		             "Must be a date YYYY-MM-DD or null."));
		return;
	}
	json_object_set(next, field, (json_t *)x);
}

static bool owner_ok(struct db *db, int64_t owner, const json_t *clients)
{
	struct stmt *s;
	bool ok = false;

	if (db_prepare(db, &s, "SELECT role, client_id FROM users WHERE id = ? AND active = 1",
	               true))
		return false;
	stmt_bind_int(s, 1, owner);
	if (stmt_step(s) == DB_ROW) {
		const char *role = stmt_text(s, 0);
		if (strcmp(role, "client_viewer") != 0) {
			ok = strcmp(role, "agent") != 0;
		} else {
			size_t i;
			json_t *x;
			ok = json_array_size(clients) > 0;
			json_array_foreach(clients, i, x) ok &=
			        json_integer_value(x) == stmt_int(s, 1);
		}
	}
	stmt_done(s);
	return ok;
}

/* Overlay the fields of `in` on `next`, reporting each wrong one. */
static void validate(struct db *db, struct verrors *v, json_t *next, const json_t *in, bool create)
{
	static const char *const known[] = {"slug",     "title",    "kind",        "status",
	                                    "body",     "groups",   "clients",     "categories",
	                                    "tags",     "owner_id", "review_date", "valid_from",
	                                    "valid_to", "note"};
	const char *key;
	json_t *x;

	json_object_foreach((json_t *)in, key, x)
	{
		bool ok = false;
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			ok |= strcmp(key, known[i]) == 0;
		if (!ok)
			valid_add(
			        v, key,
			        VL(v, "Okänt fält. Tillåtna: %s.", "Unknown field. Accepted: %s."),
			        "slug, title, kind, status, body, groups, clients, categories, "
			        "tags, "
			        "owner_id, review_date, valid_from, valid_to, note");
	}
	if ((x = json_object_get(in, "title")) || create) {
		if (!json_is_string(x) || json_string_length(x) == 0 || json_string_length(x) > 200)
			valid_add(v, "title", "%s",
			          VL(v, "Rubriken krävs, 1–200 tecken.",
			             "The title is required, 1–200 characters."));
		else
			json_object_set(next, "title", x);
	}
	if ((x = json_object_get(in, "slug"))) {
		if (!json_is_string(x) || !slug_valid(json_string_value(x)))
			valid_add(
			        v, "slug", "%s",
			        VL(v, "Ska bestå av a–z, 0–9 och bindestreck, högst 80 tecken.",
			           "Must consist of a–z, 0–9 and hyphens, at most 80 characters."));
		else
			json_object_set(next, "slug", x);
	}
	if ((x = json_object_get(in, "kind")) || create) {
		if (!json_is_string(x) || !kb_kind_valid(json_string_value(x)))
			valid_add(v, "kind", "%s",
			          VL(v, "Tillåtna typer: qa, routine, checklist, news, notice.",
			             "Accepted kinds: qa, routine, checklist, news, notice."));
		else
			json_object_set(next, "kind", x);
	}
	if ((x = json_object_get(in, "status"))) {
		if (!json_is_string(x) || !kb_status_valid(json_string_value(x)))
			valid_add(v, "status", "%s",
			          VL(v, "Tillåtna: draft, published, archived.",
			             "Accepted: draft, published, archived."));
		else
			json_object_set(next, "status", x);
	}
	if ((x = json_object_get(in, "body")) || create) {
		if (!json_is_string(x) || json_string_length(x) > 200000)
			valid_add(
			        v, "body", "%s",
			        VL(v, "Texten (Markdown) krävs, högst 200 000 tecken.",
			           "The body (Markdown) is required, at most 200,000 characters."));
		else
			json_object_set(next, "body", x);
	}
	check_ids(db, v, next, in, "groups", "SELECT 1 FROM groups WHERE id = ?", "svarsgrupp",
	          "group");
	check_ids(db, v, next, in, "clients", "SELECT 1 FROM clients WHERE id = ?", "förvaltning",
	          "department");
	check_ids(db, v, next, in, "categories", "SELECT 1 FROM categories WHERE id = ?",
	          "ärendekategori", "category");
	if ((x = json_object_get(in, "tags"))) {
		json_t *tags = json_array(), *t;
		size_t i;
		if (!json_is_array(x) || json_array_size(x) > 30)
			valid_add(v, "tags", "%s",
			          VL(v, "Ska vara en lista med högst 30 ord.",
			             "Must be a list of at most 30 words."));
		json_array_foreach(x, i, t)
		{
			if (!json_is_string(t) || json_string_length(t) == 0 ||
			    json_string_length(t) > 60 || strpbrk(json_string_value(t), ",\n\r")) {
				valid_add(v, "tags",
				          VL(v, "Element %zu: 1–60 tecken utan kommatecken.",
				             "Element %zu: 1–60 characters without commas."),
				          i);
				continue;
			}
			bool dup = false;
			size_t k;
			json_t *y;
			json_array_foreach(tags, k, y) dup |= json_equal(y, t);
			if (!dup)
				json_array_append(tags, t);
		}
		json_object_set_new(next, "tags", tags);
	}
	if ((x = json_object_get(in, "owner_id"))) {
		if (json_is_null(x))
			json_object_set_new(next, "owner_id", json_null());
		else if (!json_is_integer(x))
			valid_add(v, "owner_id", "%s",
			          VL(v, "Ska vara ett användar-id.", "Must be a user id."));
		else
			json_object_set(next, "owner_id", x);
	}
	check_date(v, next, in, "review_date");
	check_date(v, next, in, "valid_from");
	check_date(v, next, in, "valid_to");
	if ((x = json_object_get(in, "note")) && !json_is_string(x) && !json_is_null(x))
		valid_add(v, "note", "%s", VL(v, "Ska vara en text.", "Must be a string."));

	/* Rules across fields, once each field is well formed. */
	const char *from = json_string_value(json_object_get(next, "valid_from"));
	const char *to = json_string_value(json_object_get(next, "valid_to"));
	if (from && to && strcmp(to, from) < 0)
		valid_add(
		        v, "valid_to", "%s",
		        VL(v, "Får inte vara före valid_from.", "Must not be before valid_from."));
	json_t *owner = json_object_get(next, "owner_id");
	if (json_is_integer(owner) && json_object_get(in, "owner_id") &&
	    !owner_ok(db, json_integer_value(owner), json_object_get(next, "clients")))
		valid_add(v, "owner_id", "%s",
		          VL(v,
		             "Ägaren ska vara en aktiv gruppledare, chef, administratör eller en "
		             "kontaktperson på artikelns förvaltning.",
		             "The owner must be an active group lead, manager, admin or a contact "
		             "of the "
		             "article's department."));
}

/* ================================================================================
 * The canonical text of an article: front matter for files, versions and diffs
 * ================================================================================ */

static void names_line(struct db *db, struct kb_buf *b, const char *key, const char *sql,
                       const json_t *ids)
{
	size_t i;
	json_t *x;

	kb_buf_fmt(b, "%s:", key);
	json_array_foreach(ids, i, x)
	{
		struct stmt *s;
		if (db_prepare(db, &s, sql, true))
			continue;
		stmt_bind_int(s, 1, json_integer_value(x));
		if (stmt_step(s) == DB_ROW)
			kb_buf_fmt(b, "%s %s", i ? "," : "", stmt_text(s, 0));
		stmt_done(s);
	}
	kb_buf_str(b, "\n");
}

static void date_line(struct kb_buf *b, const char *key, const json_t *art, const char *field)
{
	const char *d = json_string_value(json_object_get(art, field));

	if (d)
		kb_buf_fmt(b, "%s: %s\n", key, d);
}

char *kb_front_matter(struct db *db, const json_t *art, bool with_title)
{
	struct kb_buf b = {0};
	const json_t *tags = json_object_get(art, "tags");
	json_t *x;
	size_t i;
	int64_t owner = json_integer_value(json_object_get(art, "owner_id"));

	if (with_title)
		kb_buf_fmt(&b, "title: %s\n", json_string_value(json_object_get(art, "title")));
	kb_buf_fmt(&b, "kind: %s\n", json_string_value(json_object_get(art, "kind")));
	kb_buf_fmt(&b, "status: %s\n", json_string_value(json_object_get(art, "status")));
	names_line(db, &b, "groups", "SELECT name FROM groups WHERE id = ?",
	           json_object_get(art, "groups"));
	names_line(db, &b, "clients", "SELECT name FROM clients WHERE id = ?",
	           json_object_get(art, "clients"));
	if (json_array_size(json_object_get(art, "categories")))
		names_line(db, &b, "categories", "SELECT name FROM categories WHERE id = ?",
		           json_object_get(art, "categories"));
	kb_buf_str(&b, "tags:");
	json_array_foreach(tags, i, x) kb_buf_fmt(&b, "%s %s", i ? "," : "", json_string_value(x));
	kb_buf_str(&b, "\n");
	if (owner) {
		struct stmt *s;
		if (!db_prepare(db, &s, "SELECT username FROM users WHERE id = ?", true)) {
			stmt_bind_int(s, 1, owner);
			if (stmt_step(s) == DB_ROW)
				kb_buf_fmt(&b, "owner: %s\n", stmt_text(s, 0));
			stmt_done(s);
		}
	}
	date_line(&b, "review", art, "review_date");
	date_line(&b, "valid_from", art, "valid_from");
	date_line(&b, "valid_to", art, "valid_to");
	return kb_buf_take(&b);
}

/* ================================================================================
 * Writing
 * ================================================================================ */

/* The article's current search row (title, tags, body), NULL if it has none. */
static int fts_row(struct db *db, int64_t id, char *row[3], bool *found)
{
	struct stmt *s;
	int err = db_prepare(db, &s, "SELECT title, tags, body FROM kb_fts WHERE rowid = ?", true);

	*found = false;
	if (err)
		return err;
	stmt_bind_int(s, 1, id);
	err = stmt_step(s);
	if (err == DB_ROW) {
		*found = true;
		err = 0;
		for (int c = 0; c < 3 && !err; c++) {
			row[c] = strdup(stmt_is_null(s, c) ? "" : stmt_text(s, c));
			if (!row[c])
				err = ENOMEM;
		}
	} else if (err == DB_DONE) {
		err = 0;
	}
	stmt_done(s);
	return err;
}

int kb_index_article(struct db *db, int64_t id)
{
	struct stmt *s;
	json_t *art = NULL;
	struct kb_buf tags = {0};
	char *text = NULL, *old[3] = {NULL, NULL, NULL};
	const char *cur[3];
	json_t *x;
	size_t i;
	bool had;
	int err = kb_art_load(db, id, &art);

	if (err && err != ENOENT)
		return err;
	if (!err) {
		err = kb_markdown_text(json_string_value(json_object_get(art, "body")), &text);
		json_array_foreach(json_object_get(art, "tags"), i, x)
		        kb_buf_fmt(&tags, "%s%s", i ? ", " : "", json_string_value(x));
		kb_buf_add(&tags, "", 0);
		if (!err && tags.oom)
			err = ENOMEM;
	} else {
		err = 0; /* gone: only the old row goes */
	}
	if (!err)
		err = fts_row(db, id, old, &had);
	if (!err && had)
		err = db_prepare(db, &s, "DELETE FROM kb_fts WHERE rowid = ?", true);
	if (!err && had) {
		stmt_bind_int(s, 1, id);
		err = stmt_step(s) == DB_DONE ? 0 : EIO;
		stmt_done(s);
	}
	if (!err && art)
		err = db_prepare(db, &s,
		                 "INSERT INTO kb_fts(rowid, title, tags, body) VALUES (?, ?, ?, ?)",
		                 true);
	if (!err && art) {
		stmt_bind_int(s, 1, id);
		stmt_bind_text(s, 2, json_string_value(json_object_get(art, "title")));
		stmt_bind_text(s, 3, tags.p);
		stmt_bind_text(s, 4, text);
		err = stmt_step(s) == DB_DONE ? 0 : EIO;
		stmt_done(s);
	}
	cur[0] = art ? json_string_value(json_object_get(art, "title")) : NULL;
	cur[1] = tags.p;
	cur[2] = text;
	if (!err && (had || art))
		err = kb_terms_change(db, id, had ? (const char *const *)old : NULL,
		                      art ? cur : NULL);
	for (int c = 0; c < 3; c++)
		free(old[c]);
	free(text);
	free(tags.p);
	json_decref(art);
	return err;
}

static int exec_id(struct db *db, const char *sql, int64_t id)
{
	struct stmt *s;
	int err = db_prepare(db, &s, sql, true);

	if (err)
		return err;
	stmt_bind_int(s, 1, id);
	err = stmt_step(s);
	stmt_done(s);
	return err == DB_DONE ? 0 : err;
}

static int link_rows(struct db *db, int64_t id, const json_t *art)
{
	static const struct {
		const char *field, *del, *ins;
	} links[] = {
	        {"groups", "DELETE FROM kb_article_groups WHERE article_id = ?",
	         "INSERT INTO kb_article_groups(article_id, group_id) VALUES (?, ?)"},
	        {"clients", "DELETE FROM kb_article_clients WHERE article_id = ?",
	         "INSERT INTO kb_article_clients(article_id, client_id) VALUES (?, ?)"},
	        {"categories", "DELETE FROM kb_article_categories WHERE article_id = ?",
	         "INSERT INTO kb_article_categories(article_id, category_id) VALUES (?, ?)"},
	        {"tags", "DELETE FROM kb_article_tags WHERE article_id = ?",
	         "INSERT INTO kb_article_tags(article_id, tag) VALUES (?, ?)"},
	};
	int err = 0;

	for (size_t l = 0; l < sizeof(links) / sizeof(links[0]) && !err; l++) {
		size_t i;
		json_t *x;
		err = exec_id(db, links[l].del, id);
		json_array_foreach(json_object_get(art, links[l].field), i, x)
		{
			struct stmt *s;
			if (err || (err = db_prepare(db, &s, links[l].ins, true)))
				break;
			stmt_bind_int(s, 1, id);
			if (json_is_string(x))
				stmt_bind_text(s, 2, json_string_value(x));
			else
				stmt_bind_int(s, 2, json_integer_value(x));
			err = stmt_step(s);
			err = err == DB_DONE ? 0 : err;
			stmt_done(s);
		}
	}
	return err;
}

static void bind_fields(struct stmt *s, const json_t *art)
{
	json_t *owner = json_object_get(art, "owner_id");

	stmt_bind_text(s, 1, json_string_value(json_object_get(art, "slug")));
	stmt_bind_text(s, 2, json_string_value(json_object_get(art, "kind")));
	stmt_bind_text(s, 3, json_string_value(json_object_get(art, "title")));
	stmt_bind_text(s, 4, json_string_value(json_object_get(art, "body")));
	stmt_bind_text(s, 5, json_string_value(json_object_get(art, "status")));
	if (json_is_integer(owner))
		stmt_bind_int(s, 6, json_integer_value(owner));
	else
		stmt_bind_null(s, 6);
	stmt_bind_text(s, 7, json_string_value(json_object_get(art, "review_date")));
	stmt_bind_text(s, 8, json_string_value(json_object_get(art, "valid_from")));
	stmt_bind_text(s, 9, json_string_value(json_object_get(art, "valid_to")));
}

static int add_version(struct db *db, int64_t id, int version, const json_t *art,
                       const struct principal *p, int64_t now, const char *note)
{
	struct stmt *s;
	char *meta = kb_front_matter(db, art, false);
	int err =
	        meta ? db_prepare(db, &s,
	                          "INSERT INTO kb_versions(article_id, version, title, meta, body,"
	                          " author_id, created_at, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	                          true)
	             : ENOMEM;

	if (!err) {
		stmt_bind_int(s, 1, id);
		stmt_bind_int(s, 2, version);
		stmt_bind_text(s, 3, json_string_value(json_object_get(art, "title")));
		stmt_bind_text(s, 4, meta);
		stmt_bind_text(s, 5, json_string_value(json_object_get(art, "body")));
		if (p && p->id)
			stmt_bind_int(s, 6, p->id);
		else
			stmt_bind_null(s, 6);
		stmt_bind_int(s, 7, now);
		stmt_bind_text(s, 8, note);
		err = stmt_step(s);
		err = err == DB_DONE ? 0 : err;
		stmt_done(s);
	}
	free(meta);
	return err;
}

static void bind_author(struct stmt *s, int idx, const struct principal *p)
{
	if (p && p->id)
		stmt_bind_int(s, idx, p->id);
	else
		stmt_bind_null(s, idx);
}

/* The end of an article's save begun with db_begin, after err 0 from its row: its links,
 * version `version` (the note from in) and search index, committed; otherwise rolled back,
 * a slug already taken named in v. */
static int save_finish(struct db *db, int err, int64_t id, int version, const json_t *next,
                       const struct principal *p, int64_t now, const json_t *in, struct verrors *v)
{
	if (!err)
		err = link_rows(db, id, next);
	if (!err)
		err = add_version(db, id, version, next, p, now,
		                  json_string_value(json_object_get(in, "note")));
	if (!err)
		err = kb_index_article(db, id);
	if (!err)
		err = db_commit(db);
	if (err) {
		db_rollback(db);
		if (err == EEXIST)
			valid_add(v, "slug",
			          VL(v, "Det finns redan en artikel med namnet \"%s\".",
			             "An article named \"%s\" already exists."),
			          json_string_value(json_object_get(next, "slug")));
	}
	return err;
}

int kb_article_create(struct db *db, const struct principal *p, const json_t *in, int64_t now,
                      int64_t *idp, struct verrors *v)
{
	json_t *next;
	struct stmt *s;
	char slug[81];
	int err;

	*idp = 0;
	if (p && p->role == ROLE_AGENT)
		return EPERM;
	next = json_pack("{s:s,s:[],s:[],s:[],s:[],s:n,s:n,s:n,s:n}", "status",
	                 p ? "draft" : "published", "groups", "clients", "categories", "tags",
	                 "owner_id", "review_date", "valid_from", "valid_to");
	if (!next)
		return ENOMEM;
	if (p && p->id)
		json_object_set_new(next, "owner_id", json_integer(p->id));
	/* A department contact writes for its own department: fill it in when left out. */
	if (p && p->role == ROLE_CLIENT_VIEWER && !json_object_get(in, "clients") && p->client_id)
		json_array_append_new(json_object_get(next, "clients"), json_integer(p->client_id));
	validate(db, v, next, in, true);
	if (valid_has_errors(v)) {
		err = EBADMSG;
		goto out;
	}
	if (!can_edit_json(p, next)) {
		err = EPERM;
		goto out;
	}
	if (!json_object_get(next, "slug")) {
		slug_from_title(json_string_value(json_object_get(next, "title")), slug);
		json_object_set_new(next, "slug", json_string(slug));
	}
	err = db_begin(db);
	if (err)
		goto out;
	err = db_prepare(
	        db, &s,
	        "INSERT INTO kb_articles(slug, kind, title, body, status, owner_id, review_date,"
	        " valid_from, valid_to, version, created_at, updated_at, updated_by)"
	        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?10, ?10, ?11)",
	        true);
	if (!err) {
		bind_fields(s, next);
		stmt_bind_int(s, 10, now);
		bind_author(s, 11, p);
		err = stmt_step(s);
		err = err == DB_DONE ? 0 : err;
		stmt_done(s);
	}
	if (!err)
		*idp = db_last_id(db);
	err = save_finish(db, err, *idp, 1, next, p, now, in, v);
	if (err)
		*idp = 0;
out:
	json_decref(next);
	return err;
}

/* The fields a version records; an update that changes none of them is no new version. */
static bool same_content(const json_t *a, const json_t *b)
{
	static const char *const fields[] = {"slug",    "title",    "kind",        "status",
	                                     "body",    "groups",   "clients",     "categories",
	                                     "tags",    "owner_id", "review_date", "valid_from",
	                                     "valid_to"};

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		json_t *x = json_object_get(a, fields[i]), *y = json_object_get(b, fields[i]);
		if (!(x == y || (x && y && json_equal(x, y))))
			return false;
	}
	return true;
}

int kb_article_update(struct db *db, const struct principal *p, int64_t id, const json_t *in,
                      int64_t now, struct verrors *v)
{
	json_t *cur = NULL, *next = NULL;
	struct stmt *s;
	int err = kb_art_load(db, id, &cur);
	int version;

	if (err)
		return err;
	if (p && !kb_can_read(p, cur)) {
		err = ENOENT;
		goto out;
	}
	if (!can_edit_json(p, cur)) {
		err = EPERM;
		goto out;
	}
	next = json_deep_copy(cur);
	if (!next) {
		err = ENOMEM;
		goto out;
	}
	validate(db, v, next, in, false);
	if (valid_has_errors(v)) {
		err = EBADMSG;
		goto out;
	}
	if (!can_edit_json(p, next)) {
		err = EPERM;
		goto out;
	}
	if (same_content(cur, next))
		goto out;
	version = (int)json_integer_value(json_object_get(cur, "version")) + 1;
	err = db_begin(db);
	if (err)
		goto out;
	err = db_prepare(
	        db, &s,
	        "UPDATE kb_articles SET slug = ?, kind = ?, title = ?, body = ?, status = ?,"
	        " owner_id = ?, review_date = ?, valid_from = ?, valid_to = ?, version = ?10,"
	        " updated_at = ?11, updated_by = ?12 WHERE id = ?13",
	        true);
	if (!err) {
		bind_fields(s, next);
		stmt_bind_int(s, 10, version);
		stmt_bind_int(s, 11, now);
		bind_author(s, 12, p);
		stmt_bind_int(s, 13, id);
		err = stmt_step(s);
		err = err == DB_DONE ? 0 : err;
		stmt_done(s);
	}
	err = save_finish(db, err, id, version, next, p, now, in, v);
out:
	json_decref(cur);
	json_decref(next);
	return err;
}

int kb_article_get(struct db *db, const struct principal *p, int64_t id, int64_t now, json_t **out)
{
	json_t *art;
	char *html = NULL;
	int err = kb_art_load(db, id, &art);

	*out = NULL;
	if (err)
		return err;
	if (!kb_can_read(p, art)) {
		json_decref(art);
		return ENOENT;
	}
	err = kb_markdown_html(json_string_value(json_object_get(art, "body")), &html);
	if (err) {
		json_decref(art);
		return err;
	}
	json_object_set_new(art, "body_html", json_string(html));
	json_object_set_new(art, "can_edit", json_boolean(can_edit_json(p, art)));
	free(html);
	*out = art;
	return 0;
}

/* ================================================================================
 * Lists
 * ================================================================================ */

/* One row of a list: the article without its body. */
static json_t *summary(struct db *db, int64_t id)
{
	json_t *art;

	if (kb_art_load(db, id, &art))
		return NULL;
	json_object_del(art, "body");
	return art;
}

static int list_ids(struct db *db, const struct principal *p, struct stmt *s, int64_t limit,
                    json_t **items)
{
	json_t *arr = json_array();
	int64_t ids[500];
	size_t n = 0;
	int rc;

	while ((rc = stmt_step(s)) == DB_ROW && n < sizeof(ids) / sizeof(ids[0]))
		ids[n++] = stmt_int(s, 0);
	stmt_done(s);
	if (rc != DB_ROW && rc != DB_DONE) {
		json_decref(arr);
		return rc;
	}
	for (size_t i = 0; i < n && (int64_t)json_array_size(arr) < limit; i++) {
		json_t *o = summary(db, ids[i]);
		if (o && kb_can_read(p, o))
			json_array_append_new(arr, o);
		else
			json_decref(o);
	}
	*items = arr;
	return 0;
}

int kb_article_list(struct db *db, const struct principal *p, const struct kb_filter *f,
                    int64_t now, json_t **items, int64_t *total)
{
	struct stmt *s;
	int64_t *ids = NULL, n = 0, cap = 0;
	json_t *arr;
	int err = db_prepare(
	        db, &s,
	        "SELECT a.id, a.status = 'published' FROM kb_articles a WHERE (?1 IS NULL OR "
	        "a.kind = ?1)"
	        " AND (?2 IS NULL AND a.status <> 'archived' OR a.status = ?2)"
	        " AND (?3 = 0 OR EXISTS (SELECT 1 FROM kb_article_groups g WHERE g.article_id = "
	        "a.id"
	        "  AND g.group_id = ?3) OR NOT EXISTS (SELECT 1 FROM kb_article_groups g"
	        "  WHERE g.article_id = a.id))"
	        " AND (?4 = 0 OR EXISTS (SELECT 1 FROM kb_article_clients c WHERE c.article_id = "
	        "a.id"
	        "  AND c.client_id = ?4))"
	        " AND (?5 = 0 OR EXISTS (SELECT 1 FROM kb_article_categories c WHERE c.article_id "
	        "= a.id"
	        "  AND c.category_id = ?5))"
	        " AND (?6 IS NULL OR EXISTS (SELECT 1 FROM kb_article_tags t WHERE t.article_id = "
	        "a.id"
	        "  AND t.tag = ?6))"
	        " ORDER BY a.kind = 'notice' DESC, a.updated_at DESC, a.id",
	        true);

	(void)now;
	*items = NULL;
	if (err)
		return err;
	stmt_bind_text(s, 1, f->kind);
	stmt_bind_text(s, 2, f->status);
	stmt_bind_int(s, 3, f->group_id);
	stmt_bind_int(s, 4, f->client_id);
	stmt_bind_int(s, 5, f->category_id);
	stmt_bind_text(s, 6, f->tag);
	/* Who may read an article is known only after loading it, except that staff read
	 * every published one: the total counts what the reader may see, and only the
	 * page's articles are built. */
	while ((err = stmt_step(s)) == DB_ROW) {
		if (n == cap) {
			int64_t *grown = realloc(ids, (size_t)(cap ? cap * 2 : 64) * sizeof(*ids));
			if (!grown)
				break;
			ids = grown;
			cap = cap ? cap * 2 : 64;
		}
		/* The id, its sign saying whether the article is published. */
		ids[n++] = stmt_int(s, 1) ? stmt_int(s, 0) : -stmt_int(s, 0);
	}
	stmt_done(s);
	if (err != DB_DONE) {
		free(ids);
		return err == DB_ROW ? ENOMEM : err;
	}
	*total = 0;
	arr = json_array();
	for (int64_t i = 0; i < n; i++) {
		int64_t id = ids[i] > 0 ? ids[i] : -ids[i];
		json_t *o = NULL;
		bool page;

		if (ids[i] < 0 || !p || p->role == ROLE_CLIENT_VIEWER) {
			o = summary(db, id);
			if (!o || !kb_can_read(p, o)) {
				json_decref(o);
				continue;
			}
		}
		page = *total >= f->offset && *total - f->offset < f->limit;
		(*total)++;
		if (page && !o)
			o = summary(db, id);
		if (page && o)
			json_array_append_new(arr, o);
		else
			json_decref(o);
	}
	free(ids);
	*items = arr;
	return 0;
}

int kb_notices(struct db *db, const struct principal *p, int64_t group_id, int64_t now,
               json_t **items)
{
	struct stmt *s;
	char today[11];
	int err = db_prepare(
	        db, &s,
	        "SELECT a.id FROM kb_articles a WHERE a.kind = 'notice' AND a.status = 'published'"
	        " AND (a.valid_from IS NULL OR a.valid_from <= ?2)"
	        " AND (a.valid_to IS NULL OR a.valid_to >= ?2)"
	        " AND (?1 = 0 OR NOT EXISTS (SELECT 1 FROM kb_article_groups g WHERE g.article_id "
	        "= a.id)"
	        "  OR EXISTS (SELECT 1 FROM kb_article_groups g WHERE g.article_id = a.id"
	        "  AND g.group_id = ?1))"
	        " ORDER BY a.updated_at DESC, a.id DESC",
	        true);

	*items = NULL;
	if (err)
		return err;
	kb_today(now, today);
	stmt_bind_int(s, 1, group_id);
	stmt_bind_text(s, 2, today);
	err = list_ids(db, p, s, 100, items);
	/* Notices are read on screen as they are: give the HTML too. */
	size_t i;
	json_t *o;
	json_array_foreach(err ? NULL : *items, i, o)
	{
		json_t *full;
		if (kb_art_load(db, json_integer_value(json_object_get(o, "id")), &full) == 0) {
			char *html = NULL;
			if (kb_markdown_html(json_string_value(json_object_get(full, "body")),
			                     &html) == 0)
				json_object_set_new(o, "body_html", json_string(html));
			free(html);
			json_decref(full);
		}
	}
	return err;
}

bool kb_notice_live(struct db *db, int64_t id)
{
	struct stmt *s;
	bool live = false;

	if (db_prepare(db, &s,
	               "SELECT 1 FROM kb_articles WHERE id = ? AND kind = 'notice'"
	               " AND status = 'published'",
	               true))
		return false;
	stmt_bind_int(s, 1, id);
	live = stmt_step(s) == DB_ROW;
	stmt_done(s);
	return live;
}

int kb_review_due(struct db *db, const struct principal *p, int64_t now, json_t **items)
{
	struct stmt *s;
	char today[11];
	int err = db_prepare(
	        db, &s,
	        "SELECT id FROM kb_articles WHERE status <> 'archived'"
	        " AND review_date IS NOT NULL AND review_date <= ? ORDER BY review_date, id",
	        true);

	*items = NULL;
	if (err)
		return err;
	kb_today(now, today);
	stmt_bind_text(s, 1, today);
	/* list_ids keeps what p may read: a department contact sees its own articles. */
	return list_ids(db, p, s, 500, items);
}

/* ================================================================================
 * Versions
 * ================================================================================ */

static int readable(struct db *db, const struct principal *p, int64_t id)
{
	json_t *art;
	int err = kb_art_load(db, id, &art);

	if (err)
		return err;
	err = kb_can_read(p, art) ? 0 : ENOENT;
	json_decref(art);
	return err;
}

int kb_versions_list(struct db *db, const struct principal *p, int64_t id, json_t **items)
{
	struct stmt *s;
	json_t *arr;
	int err = readable(db, p, id);

	*items = NULL;
	if (err)
		return err;
	err = db_prepare(
	        db, &s,
	        "SELECT v.version, v.author_id, u.display_name, v.created_at, v.note, v.title"
	        " FROM kb_versions v LEFT JOIN users u ON u.id = v.author_id"
	        " WHERE v.article_id = ? ORDER BY v.version DESC",
	        true);
	if (err)
		return err;
	arr = json_array();
	stmt_bind_int(s, 1, id);
	while (stmt_step(s) == DB_ROW) {
		json_t *o = json_pack("{s:I,s:o,s:s}", "version", (json_int_t)stmt_int(s, 0),
		                      "created_at", kb_time_json(stmt_int(s, 3)), "title",
		                      stmt_text(s, 5));
		json_object_set_new(o, "author_id",
		                    stmt_is_null(s, 1) ? json_null()
		                                       : json_integer(stmt_int(s, 1)));
		json_object_set_new(o, "author", col_str(s, 2));
		json_object_set_new(o, "note", col_str(s, 4));
		json_array_append_new(arr, o);
	}
	stmt_done(s);
	*items = arr;
	return 0;
}

static int version_text(struct db *db, int64_t id, int version, char **text)
{
	struct stmt *s;
	struct kb_buf b = {0};
	int err = db_prepare(
	        db, &s,
	        "SELECT title, meta, body FROM kb_versions WHERE article_id = ? AND version = ?",
	        true);

	*text = NULL;
	if (err)
		return err;
	stmt_bind_int(s, 1, id);
	stmt_bind_int(s, 2, version);
	if (stmt_step(s) == DB_ROW) {
		kb_buf_fmt(&b, "title: %s\n", stmt_text(s, 0));
		kb_buf_str(&b, stmt_text(s, 1));
		kb_buf_str(&b, "---\n");
		kb_buf_str(&b, stmt_text(s, 2));
		*text = kb_buf_take(&b);
		err = *text ? 0 : ENOMEM;
	} else {
		err = ENOENT;
	}
	stmt_done(s);
	return err;
}

int kb_versions_diff(struct db *db, const struct principal *p, int64_t id, int from, int to,
                     char **diff)
{
	char *a = NULL, *b = NULL, na[32], nb[32];
	int err = readable(db, p, id);

	*diff = NULL;
	if (err)
		return err;
	err = version_text(db, id, from, &a);
	if (!err)
		err = version_text(db, id, to, &b);
	if (!err) {
		snprintf(na, sizeof(na), "version %d", from);
		snprintf(nb, sizeof(nb), "version %d", to);
		err = kb_diff_text(a, b, na, nb, diff);
	}
	free(a);
	free(b);
	return err;
}
