/* Markdown files with front matter in and out: `lotsen kb import|export`, the demo load. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/log.h"
#include "kb/kb.h"
#include "kb/kb_art.h"
#include "kb/kb_int.h"
#include "store/db.h"

#define KB_FILE_MAX (1024 * 1024)

static const char keys_accepted[] = "title, kind, status, groups, clients, categories, tags, "
                                    "owner, review, valid_from, valid_to";

static int fail(struct kb_io_error *e, int err, const char *file, size_t line, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));

static int fail(struct kb_io_error *e, int err, const char *file, size_t line, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (!e)
		return err;
	if (line)
		n = snprintf(e->msg, sizeof(e->msg), "%s:%zu: ", file, line);
	else
		n = snprintf(e->msg, sizeof(e->msg), "%s: ", file);
	if (n < 0 || (size_t)n >= sizeof(e->msg))
		return err;
	va_start(ap, fmt);
	vsnprintf(e->msg + n, sizeof(e->msg) - (size_t)n, fmt, ap);
	va_end(ap);
	return err;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* Resolve "Förskola, Skola" to ids by name. */
static int names_to_ids(struct db *db, const char *sql, char *value, json_t *arr, const char **bad)
{
	for (char *tok = value, *comma; tok; tok = comma ? comma + 1 : NULL) {
		comma = strchr(tok, ',');
		if (comma)
			*comma = '\0';
		char *name = trim(tok);
		struct stmt *s;
		bool found = false;
		if (!*name)
			continue;
		int err = db_prepare(db, &s, sql, true);
		if (err)
			return err;
		stmt_bind_text(s, 1, name);
		if (stmt_step(s) == DB_ROW) {
			json_array_append_new(arr, json_integer(stmt_int(s, 0)));
			found = true;
		}
		stmt_done(s);
		if (!found) {
			*bad = name;
			return ENOENT;
		}
	}
	return 0;
}

/* The line each key was on, to point errors found later at the right place. */
struct lines_of {
	size_t title, kind, status, groups, clients, categories, tags, owner, review, from, to,
	        body;
};

static size_t line_of(const struct lines_of *l, const char *field)
{
	static const struct {
		const char *field;
		size_t off;
	} map[] = {
	        {"title", offsetof(struct lines_of, title)},
	        {"kind", offsetof(struct lines_of, kind)},
	        {"status", offsetof(struct lines_of, status)},
	        {"groups", offsetof(struct lines_of, groups)},
	        {"clients", offsetof(struct lines_of, clients)},
	        {"categories", offsetof(struct lines_of, categories)},
	        {"tags", offsetof(struct lines_of, tags)},
	        {"owner_id", offsetof(struct lines_of, owner)},
	        {"review_date", offsetof(struct lines_of, review)},
	        {"valid_from", offsetof(struct lines_of, from)},
	        {"valid_to", offsetof(struct lines_of, to)},
	        {"body", offsetof(struct lines_of, body)},
	};

	for (size_t i = 0; field && i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(field, map[i].field) == 0) {
			size_t v;
			memcpy(&v, (const char *)l + map[i].off, sizeof(v));
			return v ? v : 1;
		}
	return 1;
}

static int parse(struct db *db, const char *file, const char *text, json_t *art,
                 struct lines_of *lines, struct kb_io_error *e)
{
	const char *p = text, *nl;
	char line[2048];
	size_t ln = 1;
	bool closed = false;
	int err = 0;

	if (strncmp(p, "---", 3) != 0 || (p[3] != '\n' && !(p[3] == '\r' && p[4] == '\n')))
		return fail(e, EBADMSG, file, 1, "front matter must start with a line \"---\"");
	p = strchr(p, '\n') + 1;
	for (; *p; p = nl + 1) {
		ln++;
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		size_t n = (size_t)(nl - p);
		if (n >= sizeof(line))
			return fail(e, EBADMSG, file, ln, "line too long (at most %zu bytes)",
			            sizeof(line) - 1);
		memcpy(line, p, n);
		line[n] = '\0';
		char *l = trim(line);
		if (strcmp(l, "---") == 0) {
			closed = true;
			p = *nl ? nl + 1 : nl;
			break;
		}
		if (!*l || *l == '#')
			goto next;
		char *colon = strchr(l, ':');
		if (!colon)
			return fail(e, EBADMSG, file, ln, "expected \"key: value\", got \"%.60s\"",
			            l);
		*colon = '\0';
		char *key = trim(l), *val = trim(colon + 1);
		const char *bad = NULL;
		if (strcmp(key, "title") == 0) {
			if (!*val)
				return fail(e, EBADMSG, file, ln, "title is empty");
			json_object_set_new(art, "title", json_string(val));
			lines->title = ln;
		} else if (strcmp(key, "kind") == 0) {
			if (!kb_kind_valid(val))
				return fail(e, EBADMSG, file, ln,
				            "kind \"%.40s\" unknown (accepted: qa, routine, "
				            "checklist, news, notice)",
				            val);
			json_object_set_new(art, "kind", json_string(val));
			lines->kind = ln;
		} else if (strcmp(key, "status") == 0) {
			if (!kb_status_valid(val))
				return fail(e, EBADMSG, file, ln,
				            "status \"%.40s\" unknown (accepted: draft, published, "
				            "archived)",
				            val);
			json_object_set_new(art, "status", json_string(val));
			lines->status = ln;
		} else if (strcmp(key, "groups") == 0) {
			lines->groups = ln;
			err = names_to_ids(db, "SELECT id FROM groups WHERE name = ?", val,
			                   json_object_get(art, "groups"), &bad);
			if (err == ENOENT)
				return fail(e, EBADMSG, file, ln, "unknown group \"%.80s\"", bad);
		} else if (strcmp(key, "clients") == 0) {
			lines->clients = ln;
			err = names_to_ids(db, "SELECT id FROM clients WHERE name = ?", val,
			                   json_object_get(art, "clients"), &bad);
			if (err == ENOENT)
				return fail(e, EBADMSG, file, ln,
				            "unknown client (department) \"%.80s\"", bad);
		} else if (strcmp(key, "categories") == 0) {
			lines->categories = ln;
			err = names_to_ids(db,
			                   "SELECT id FROM categories WHERE name = ? ORDER BY id",
			                   val, json_object_get(art, "categories"), &bad);
			if (err == ENOENT)
				return fail(e, EBADMSG, file, ln, "unknown category \"%.80s\"",
				            bad);
		} else if (strcmp(key, "tags") == 0) {
			lines->tags = ln;
			for (char *t = val, *comma; t; t = comma ? comma + 1 : NULL) {
				comma = strchr(t, ',');
				if (comma)
					*comma = '\0';
				if (*trim(t))
					json_array_append_new(json_object_get(art, "tags"),
					                      json_string(trim(t)));
			}
		} else if (strcmp(key, "owner") == 0) {
			struct stmt *s;
			int64_t id = 0;
			lines->owner = ln;
			err = db_prepare(db, &s, "SELECT id FROM users WHERE username = ?", true);
			if (err)
				return err;
			stmt_bind_text(s, 1, val);
			if (stmt_step(s) == DB_ROW)
				id = stmt_int(s, 0);
			stmt_done(s);
			if (!id)
				return fail(e, EBADMSG, file, ln,
				            "unknown owner \"%.80s\" (a username)", val);
			json_object_set_new(art, "owner_id", json_integer(id));
		} else if (strcmp(key, "review") == 0 || strcmp(key, "valid_from") == 0 ||
		           strcmp(key, "valid_to") == 0) {
			const char *field = key[0] == 'r' ? "review_date" : key;
			if (*val && !kb_date_valid(val))
				return fail(e, EBADMSG, file, ln,
				            "%s must be a date YYYY-MM-DD, got \"%.40s\"", key,
				            val);
			json_object_set_new(art, field, *val ? json_string(val) : json_null());
			if (key[0] == 'r')
				lines->review = ln;
			else if (strcmp(key, "valid_from") == 0)
				lines->from = ln;
			else
				lines->to = ln;
		} else {
			return fail(e, EBADMSG, file, ln, "unknown key \"%.40s\" (accepted: %s)",
			            key, keys_accepted);
		}
		if (err)
			return err;
	next:
		if (!*nl) {
			p = nl;
			break;
		}
	}
	if (!closed)
		return fail(e, EBADMSG, file, 1, "front matter is not closed with a line \"---\"");
	if (!json_object_get(art, "title"))
		return fail(e, EBADMSG, file, 1, "title: is missing");
	if (!json_object_get(art, "kind"))
		return fail(e, EBADMSG, file, 1, "kind: is missing");
	lines->body = ln + 1;
	/* The body without the blank lines around it, so that export → import is exact. */
	while (*p == '\n' || *p == '\r')
		p++;
	size_t n = strlen(p);
	while (n > 0 &&
	       (p[n - 1] == '\n' || p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	json_object_set_new(art, "body", json_stringn(p, n));
	if (!json_object_get(art, "body"))
		return fail(e, EBADMSG, file, lines->body, "the body is not valid UTF-8");
	return 0;
}

static json_t *empty_article(void)
{
	return json_pack("{s:s,s:[],s:[],s:[],s:[],s:n,s:n,s:n,s:n}", "status", "published",
	                 "groups", "clients", "categories", "tags", "owner_id", "review_date",
	                 "valid_from", "valid_to");
}

int kb_import_text(struct db *db, const char *file, const char *text, json_t **article,
                   struct kb_io_error *e)
{
	struct lines_of lines = {0};
	json_t *art = empty_article();
	int err;

	*article = NULL;
	if (!art)
		return ENOMEM;
	err = parse(db, file, text, art, &lines, e);
	if (err) {
		json_decref(art);
		return err;
	}
	*article = art;
	return 0;
}

static int read_file(const char *path, char **text)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	*text = NULL;
	if (!f)
		return errno ? errno : EIO;
	buf = malloc(KB_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		return ENOMEM;
	}
	n = fread(buf, 1, KB_FILE_MAX + 1, f);
	fclose(f);
	if (n > KB_FILE_MAX) {
		free(buf);
		return EFBIG;
	}
	buf[n] = '\0';
	*text = buf;
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The .md files of a directory, sorted so that imports are reproducible. */
static int list_md(const char *dir, char ***names, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *ent;
	char **v = NULL;
	size_t k = 0, cap = 0;

	*names = NULL;
	*n = 0;
	if (!d)
		return errno ? errno : ENOENT;
	while ((ent = readdir(d))) {
		size_t len = strlen(ent->d_name);
		if (len < 4 || strcmp(ent->d_name + len - 3, ".md") != 0 || ent->d_name[0] == '.')
			continue;
		if (k == cap) {
			cap = cap ? cap * 2 : 64;
			char **x = realloc(v, cap * sizeof(*v));
			if (!x)
				break;
			v = x;
		}
		v[k] = strdup(ent->d_name);
		if (v[k])
			k++;
	}
	closedir(d);
	if (k)
		qsort(v, k, sizeof(*v), cmp_name);
	*names = v;
	*n = k;
	return 0;
}

static int import_one(struct db *db, const char *dir, const char *name, int64_t now,
                      struct kb_io_error *e)
{
	char path[4096], slug[128];
	char *text = NULL;
	json_t *art = NULL;
	struct lines_of lines = {0};
	struct verrors v;
	int64_t id = 0;
	size_t len = strlen(name) - 3;
	int err;

	valid_init(&v, true);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (len >= sizeof(slug))
		return fail(e, EBADMSG, name, 0, "file name too long for a slug");
	memcpy(slug, name, len);
	slug[len] = '\0';
	err = read_file(path, &text);
	if (err == EFBIG)
		return fail(e, EBADMSG, name, 0, "larger than %d bytes", KB_FILE_MAX);
	if (err)
		return fail(e, err, name, 0, "cannot read: %s", strerror(err));
	art = empty_article();
	err = art ? parse(db, name, text, art, &lines, e) : ENOMEM;
	if (err)
		goto out;
	json_object_set_new(art, "slug", json_string(slug));
	if (kb_article_find_slug(db, slug, &id) == 0)
		err = kb_article_update(db, NULL, id, art, now, &v);
	else
		err = kb_article_create(db, NULL, art, now, &id, &v);
	if (valid_has_errors(&v)) {
		json_t *first = json_array_get(v.list, 0);
		const char *field = json_string_value(json_object_get(first, "field"));
		err = fail(e, EBADMSG, name,
		           strcmp(field ? field : "", "slug") == 0 ? 0 : line_of(&lines, field),
		           "%s: %s",
		           field ? (strcmp(field, "slug") == 0 ? "file name" : field) : "?",
		           json_string_value(json_object_get(first, "message")));
	} else if (err) {
		fail(e, err, name, 0, "storing failed: %s", strerror(err));
	}
out:
	valid_free(&v);
	json_decref(art);
	free(text);
	return err;
}

int kb_import_dir(struct db *db, const char *dir, int64_t now, size_t *imported,
                  struct kb_io_error *e)
{
	char **names = NULL;
	size_t n = 0, done = 0;
	int err = list_md(dir, &names, &n);

	if (imported)
		*imported = 0;
	if (err)
		return fail(e, err, dir, 0, "cannot read the directory: %s", strerror(err));
	err = db_begin(db);
	for (size_t i = 0; !err && i < n; i++) {
		err = import_one(db, dir, names[i], now, e);
		done += !err;
	}
	if (!err)
		err = db_commit(db);
	else
		db_rollback(db);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (!err && imported)
		*imported = done;
	return err;
}

int kb_export_dir(struct db *db, const char *dir, size_t *exported, struct kb_io_error *e)
{
	struct stmt *s;
	int64_t *ids = NULL;
	size_t n = 0, cap = 0, done = 0;
	int err;

	if (exported)
		*exported = 0;
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return fail(e, errno, dir, 0, "cannot create the directory: %s", strerror(errno));
	err = db_prepare(db, &s,
	                 "SELECT id FROM kb_articles WHERE status <> 'archived' ORDER BY slug",
	                 true);
	if (err)
		return fail(e, err, dir, 0, "cannot list articles");
	while (stmt_step(s) == DB_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 128;
			int64_t *x = realloc(ids, cap * sizeof(*x));
			if (!x) {
				err = ENOMEM;
				break;
			}
			ids = x;
		}
		ids[n++] = stmt_int(s, 0);
	}
	stmt_done(s);
	for (size_t i = 0; !err && i < n; i++) {
		json_t *art;
		char path[4096], *front;
		FILE *f;
		err = kb_art_load(db, ids[i], &art);
		if (err)
			break;
		const char *slug = json_string_value(json_object_get(art, "slug"));
		snprintf(path, sizeof(path), "%s/%s.md", dir, slug);
		front = kb_front_matter(db, art, true);
		f = front ? fopen(path, "wb") : NULL;
		if (!f) {
			err = front ? errno : ENOMEM;
			fail(e, err, path, 0, "cannot write: %s", strerror(err));
		} else {
			fprintf(f, "---\n%s---\n\n%s\n", front,
			        json_string_value(json_object_get(art, "body")));
			if (fclose(f) != 0) {
				err = errno ? errno : EIO;
				fail(e, err, path, 0, "cannot write: %s", strerror(err));
			}
			done += !err;
		}
		free(front);
		json_decref(art);
	}
	free(ids);
	if (exported)
		*exported = done;
	return err;
}

int kb_demo_load(struct db *db, const char *dir)
{
	struct kb_io_error e = {{0}};
	size_t n = 0;
	int err = kb_search_init(db);

	if (!err)
		err = kb_import_dir(db, dir, (int64_t)time(NULL), &n, &e);
	if (err)
		log_error("kb.demo", "dir=\"%s\" error=\"%s\"", dir,
		          e.msg[0] ? e.msg : strerror(err));
	else
		log_info("kb.demo", "dir=\"%s\" articles=%zu", dir, n);
	return err;
}
