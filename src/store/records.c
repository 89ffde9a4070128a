/* Generic row access for administrative tables, SQL built from trusted column names. */
#include "store/records.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* Column and table names come from compile-time descriptors; refuse anything else. */
static bool ident_ok(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

static int bind_json(struct stmt *s, int idx, const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		return stmt_bind_text(s, idx, json_string_value(v));
	case JSON_INTEGER:
		return stmt_bind_int(s, idx, json_integer_value(v));
	case JSON_REAL:
		return stmt_bind_double(s, idx, json_real_value(v));
	case JSON_TRUE:
		return stmt_bind_int(s, idx, 1);
	case JSON_FALSE:
		return stmt_bind_int(s, idx, 0);
	default:
		return stmt_bind_null(s, idx);
	}
}

static json_t *column_json(struct stmt *s, int col)
{
	if (stmt_is_null(s, col))
		return json_null();
	if (stmt_col_is_int(s, col))
		return json_integer(stmt_int(s, col));
	if (stmt_col_is_real(s, col))
		return json_real(stmt_double(s, col));
	return json_string(stmt_text(s, col));
}

static int append(char *buf, size_t n, size_t *off, const char *fmt, const char *a)
{
	int r = snprintf(buf + *off, n - *off, fmt, a);

	if (r < 0 || (size_t)r >= n - *off)
		return ENAMETOOLONG;
	*off += (size_t)r;
	return 0;
}

int records_insert(struct db *db, const char *table, const json_t *cols, int64_t *id)
{
	char sql[2048];
	size_t off = 0;
	const char *k;
	json_t *v;
	struct stmt *s;
	int err = 0, i = 0;

	if (!ident_ok(table))
		return EINVAL;
	err = append(sql, sizeof(sql), &off, "INSERT INTO %s (", table);
	json_object_foreach((json_t *)cols, k, v)
	{
		if (!ident_ok(k))
			return EINVAL;
		err = err ? err : append(sql, sizeof(sql), &off, i++ ? ",%s" : "%s", k);
	}
	if (i == 0)
		err = err ? err : append(sql, sizeof(sql), &off, "%s", ") DEFAULT VALUES");
	else {
		err = err ? err : append(sql, sizeof(sql), &off, "%s", ") VALUES (");
		for (int j = 0; j < i; j++)
			err = err ? err : append(sql, sizeof(sql), &off, "%s", j ? ",?" : "?");
		err = err ? err : append(sql, sizeof(sql), &off, "%s", ")");
	}
	if (err)
		return err;
	err = db_prepare(db, &s, sql, false);
	if (err)
		return err;
	i = 1;
	json_object_foreach((json_t *)cols, k, v) bind_json(s, i++, v);
	err = stmt_step(s);
	if (err == DB_DONE) {
		err = 0;
		*id = db_last_id(db);
	}
	stmt_done(s);
	return err;
}

int records_update(struct db *db, const char *table, int64_t id, const json_t *cols)
{
	char sql[2048];
	size_t off = 0;
	const char *k;
	json_t *v;
	struct stmt *s;
	int err = 0, i = 0;

	if (!ident_ok(table))
		return EINVAL;
	if (json_object_size(cols) == 0)
		return records_exists(db, table, id) == 1 ? 0 : ENOENT;
	err = append(sql, sizeof(sql), &off, "UPDATE %s SET ", table);
	json_object_foreach((json_t *)cols, k, v)
	{
		if (!ident_ok(k))
			return EINVAL;
		err = err ? err : append(sql, sizeof(sql), &off, i++ ? ",%s=?" : "%s=?", k);
	}
	err = err ? err : append(sql, sizeof(sql), &off, "%s", " WHERE id=?");
	if (err)
		return err;
	err = db_prepare(db, &s, sql, false);
	if (err)
		return err;
	i = 1;
	json_object_foreach((json_t *)cols, k, v) bind_json(s, i++, v);
	stmt_bind_int(s, i, id);
	err = stmt_step(s);
	if (err == DB_DONE)
		err = db_changes(db) == 1 ? 0 : ENOENT;
	stmt_done(s);
	return err;
}

static int select_sql(char *sql, size_t n, const char *table, const char *const *cols, size_t ncols)
{
	size_t off = 0;
	int err = append(sql, n, &off, "%s", "SELECT id");

	if (!ident_ok(table))
		return EINVAL;
	for (size_t i = 0; i < ncols && !err; i++) {
		if (!ident_ok(cols[i]))
			return EINVAL;
		err = append(sql, n, &off, ",%s", cols[i]);
	}
	return err ? err : append(sql, n, &off, " FROM %s", table);
}

static json_t *row_json(struct stmt *s, const char *const *cols, size_t ncols)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer(stmt_int(s, 0)));
	for (size_t i = 0; i < ncols; i++)
		json_object_set_new(o, cols[i], column_json(s, (int)i + 1));
	return o;
}

int records_get(struct db *db, const char *table, const char *const *cols, size_t ncols, int64_t id,
                json_t **row)
{
	char sql[2048];
	struct stmt *s;
	int err = select_sql(sql, sizeof(sql), table, cols, ncols);
	size_t len = strlen(sql);

	if (err)
		return err;
	snprintf(sql + len, sizeof(sql) - len, " WHERE id=?");
	err = db_prepare(db, &s, sql, false);
	if (err)
		return err;
	stmt_bind_int(s, 1, id);
	err = stmt_step(s);
	if (err == DB_ROW) {
		*row = row_json(s, cols, ncols);
		err = 0;
	} else if (err == DB_DONE) {
		err = ENOENT;
	}
	stmt_done(s);
	return err;
}

/* "%needle%" with LIKE's own characters escaped by '\' (malloc'ed), or NULL. */
static char *like_pattern(const char *needle)
{
	size_t n = strlen(needle), o = 0;
	char *p = malloc(2 * n + 3);

	if (!p)
		return NULL;
	p[o++] = '%';
	for (size_t i = 0; i < n; i++) {
		if (needle[i] == '%' || needle[i] == '_' || needle[i] == '\\')
			p[o++] = '\\';
		p[o++] = needle[i];
	}
	p[o++] = '%';
	p[o] = '\0';
	return p;
}

/* " AND (a LIKE ? ESCAPE '\' OR b LIKE ? …)" for each needle, into both statements. */
static int append_text(char *sql, size_t n, size_t *off, char *cnt, size_t cn, size_t *coff,
                       bool where, const struct records_text *text)
{
	int err = 0, k = 0;

	for (int pass = 0; pass < 2 && !err; pass++) {
		char *b = pass ? cnt : sql;
		size_t bn = pass ? cn : n, *bo = pass ? coff : off;

		err = append(b, bn, bo, "%s", where ? " AND (" : " WHERE (");
		k = 0;
		for (int alt = 0; alt < 2 && !err; alt++) {
			if (alt && !text->alt)
				break;
			for (size_t i = 0; text->cols[i] && !err; i++) {
				if (!ident_ok(text->cols[i]))
					return EINVAL;
				err = append(b, bn, bo,
				             k++ ? " OR %s LIKE ? ESCAPE '\\'"
				                 : "%s LIKE ? ESCAPE '\\'",
				             text->cols[i]);
			}
		}
		err = err ? err : append(b, bn, bo, "%s", ")");
	}
	return err;
}

static int bind_text(struct stmt *s, int i, const struct records_text *text, char *const pat[2])
{
	for (int alt = 0; alt < 2; alt++) {
		if (!pat[alt])
			continue;
		for (size_t c = 0; text->cols[c]; c++)
			stmt_bind_text(s, i++, pat[alt]);
	}
	return i;
}

int records_list(struct db *db, const char *table, const char *const *cols, size_t ncols,
                 const json_t *where, const struct records_text *text, const char *order_by,
                 int64_t limit, int64_t offset, json_t **rows, int64_t *total)
{
	char sql[2048], cnt[1024], *pat[2] = {NULL, NULL};
	size_t off, coff = 0;
	const char *k;
	json_t *v, *arr = NULL;
	struct stmt *s;
	int err, i = 0;

	err = select_sql(sql, sizeof(sql), table, cols, ncols);
	if (err)
		return err;
	off = strlen(sql);
	err = append(cnt, sizeof(cnt), &coff, "SELECT COUNT(*) FROM %s", table);
	json_object_foreach((json_t *)where, k, v)
	{
		if (!ident_ok(k))
			return EINVAL;
		err = err ? err
		          : append(sql, sizeof(sql), &off, i ? " AND %s=?" : " WHERE %s=?", k);
		err = err ? err
		          : append(cnt, sizeof(cnt), &coff, i ? " AND %s=?" : " WHERE %s=?", k);
		i++;
	}
	if (text && !err) {
		err = append_text(sql, sizeof(sql), &off, cnt, sizeof(cnt), &coff, i > 0, text);
		pat[0] = err ? NULL : like_pattern(text->needle);
		pat[1] = err || !text->alt ? NULL : like_pattern(text->alt);
		if (!err && (!pat[0] || (text->alt && !pat[1])))
			err = ENOMEM;
	}
	if (order_by && !ident_ok(order_by))
		err = err ? err : EINVAL;
	/* Ties end in id order: pages never overlap, on PostgreSQL too, whose order among
	 * equal keys is not its table's. */
	err = err ? err
	      : order_by && strcmp(order_by, "id") != 0
	              ? append(sql, sizeof(sql), &off, " ORDER BY %s, id", order_by)
	              : append(sql, sizeof(sql), &off, "%s", " ORDER BY id");
	err = err ? err : append(sql, sizeof(sql), &off, "%s", " LIMIT ? OFFSET ?");
	if (err)
		goto out;

	err = db_prepare(db, &s, cnt, false);
	if (err)
		goto out;
	i = 1;
	json_object_foreach((json_t *)where, k, v) bind_json(s, i++, v);
	if (text)
		bind_text(s, i, text, pat);
	*total = stmt_step(s) == DB_ROW ? stmt_int(s, 0) : 0;
	stmt_done(s);

	err = db_prepare(db, &s, sql, false);
	if (err)
		goto out;
	i = 1;
	json_object_foreach((json_t *)where, k, v) bind_json(s, i++, v);
	if (text)
		i = bind_text(s, i, text, pat);
	stmt_bind_int(s, i++, limit);
	stmt_bind_int(s, i, offset);
	arr = json_array();
	while ((err = stmt_step(s)) == DB_ROW)
		json_array_append_new(arr, row_json(s, cols, ncols));
	stmt_done(s);
	if (err != DB_DONE) {
		json_decref(arr);
		goto out;
	}
	err = 0;
	*rows = arr;
out:
	free(pat[0]);
	free(pat[1]);
	return err;
}

int records_exists(struct db *db, const char *table, int64_t id)
{
	char sql[128];
	struct stmt *s;
	int r;

	if (!ident_ok(table))
		return EINVAL;
	snprintf(sql, sizeof(sql), "SELECT 1 FROM %s WHERE id=?", table);
	if (db_prepare(db, &s, sql, false))
		return -1;
	stmt_bind_int(s, 1, id);
	r = stmt_step(s) == DB_ROW ? 1 : 0;
	stmt_done(s);
	return r;
}
