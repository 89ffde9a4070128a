/* SQLite's SQL as the domain writes it, translated into PostgreSQL's (see db_int.h). */
#include "store/db_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum tok_kind { T_SPACE, T_WORD, T_STRING, T_QUOTED, T_NUMBER, T_PARAM, T_PUNCT };

struct tok {
	enum tok_kind kind;
	const char *p; /* into the source text */
	size_t n;
};

struct buf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *np;

		while (cap < b->len + n + 1)
			cap *= 2;
		np = realloc(b->p, cap);
		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* One token at `s`; its length in *n. */
static enum tok_kind lex(const char *s, size_t *n)
{
	const char *e = s;

	if (isspace((unsigned char)*s)) {
		while (isspace((unsigned char)*e))
			e++;
	} else if (s[0] == '-' && s[1] == '-') {
		while (*e && *e != '\n')
			e++;
	} else if (s[0] == '/' && s[1] == '*') {
		const char *end = strstr(s + 2, "*/");
		e = end ? end + 2 : s + strlen(s);
	} else if (*s == '\'' || *s == '"' || *s == '`') {
		char q = *s;
		for (e = s + 1; *e; e++) {
			if (*e == q) {
				if (e[1] == q) {
					e++;
					continue;
				}
				e++;
				break;
			}
		}
		*n = (size_t)(e - s);
		return q == '\'' ? T_STRING : T_QUOTED;
	} else if (isalpha((unsigned char)*s) || *s == '_' || (unsigned char)*s >= 0x80) {
		while (isalnum((unsigned char)*e) || *e == '_' || *e == '$' ||
		       (unsigned char)*e >= 0x80)
			e++;
		*n = (size_t)(e - s);
		return T_WORD;
	} else if (isdigit((unsigned char)*s) || (*s == '.' && isdigit((unsigned char)s[1]))) {
		while (isalnum((unsigned char)*e) || *e == '.')
			e++;
		*n = (size_t)(e - s);
		return T_NUMBER;
	} else if (*s == '?') {
		e++;
		while (isdigit((unsigned char)*e))
			e++;
		*n = (size_t)(e - s);
		return T_PARAM;
	} else {
		*n = 1;
		return T_PUNCT;
	}
	*n = (size_t)(e - s);
	return T_SPACE;
}

static bool is(const struct tok *t, const char *word)
{
	return t && t->kind == T_WORD && strlen(word) == t->n && strncasecmp(t->p, word, t->n) == 0;
}

static bool punct(const struct tok *t, char c)
{
	return t && t->kind == T_PUNCT && t->n == 1 && t->p[0] == c;
}

/* The next token after index i that is not white space or a comment, or NULL. */
static const struct tok *next(const struct tok *v, size_t n, size_t i, size_t *at)
{
	if (at)
		*at = n;
	for (i++; i < n; i++)
		if (v[i].kind != T_SPACE) {
			if (at)
				*at = i;
			return &v[i];
		}
	return NULL;
}

/* The token before index i that is not white space or a comment, or NULL. */
static const struct tok *prev(const struct tok *v, size_t i)
{
	while (i > 0) {
		i--;
		if (v[i].kind != T_SPACE)
			return &v[i];
	}
	return NULL;
}

/* Words that are not column names inside an upsert's SET (see pg_sql_translate). */
static bool keyword(const struct tok *t)
{
	static const char *const kw[] = {
	        "AND",  "OR",     "NOT",   "NULL",      "IS",       "CASE",    "WHEN",   "THEN",
	        "ELSE", "END",    "WHERE", "IN",        "BETWEEN",  "TRUE",    "FALSE",  "DISTINCT",
	        "FROM", "LIKE",   "ILIKE", "GLOB",      "SIMILAR",  "TO",      "AS",     "CAST",
	        "SET",  "UPDATE", "DO",    "RETURNING", "excluded", "COLLATE", "ESCAPE",
	};

	for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
		if (is(t, kw[i]))
			return true;
	return false;
}

/* max(a, b) is SQLite's scalar maximum, max(a) the aggregate: count the top-level commas
 * of the parenthesis that opens at index `open`. */
static bool multi_arg(const struct tok *v, size_t n, size_t open)
{
	int depth = 0;

	for (size_t i = open; i < n; i++) {
		if (punct(&v[i], '('))
			depth++;
		else if (punct(&v[i], ')') && --depth == 0)
			return false;
		else if (depth == 1 && punct(&v[i], ','))
			return true;
	}
	return false;
}

void pg_sql_free(struct pg_sql *q)
{
	if (q) {
		free(q->text);
		q->text = NULL;
	}
}

int pg_sql_translate(const char *sql, struct pg_sql *out)
{
	struct tok *v = NULL;
	size_t n = 0, cap = 0, at = 0;
	struct buf b = {0};
	int depth = 0, param = 0;
	bool ignore = false, first = true, returning = false, upsert = false;
	bool create = false, ipk = false; /* in a CREATE TABLE (…); it has an INTEGER PRIMARY KEY */
	uint64_t subq = 0; /* bit d: the parenthesis at depth d+1 is a subquery in FROM/JOIN */
	int nsub = 0;
	char num[48];

	if (!sql || !out)
		return EINVAL;
	memset(out, 0, sizeof(*out));
	for (const char *s = sql; *s;) {
		size_t len;
		enum tok_kind k = lex(s, &len);

		if (n == cap) {
			struct tok *nv = realloc(v, (cap ? cap * 2 : 64) * sizeof(*v));
			if (!nv) {
				free(v);
				return ENOMEM;
			}
			v = nv;
			cap = cap ? cap * 2 : 64;
		}
		v[n++] = (struct tok){k, s, len};
		s += len;
	}

	for (size_t i = 0; i < n; i++) {
		const struct tok *t = &v[i], *nx = next(v, n, i, &at);

		if (t->kind == T_SPACE) {
			put(&b, t->p, t->n);
			continue;
		}
		if (first && t->kind == T_WORD) {
			first = false;
			create = is(t, "CREATE") && is(nx, "TABLE");
			ipk = false;
			out->write = !is(t, "SELECT") && !is(t, "VALUES");
			out->insert = is(t, "INSERT");
		}
		if (punct(t, '(')) {
			depth++;
			if (depth <= 64) {
				const struct tok *p1 = prev(v, i);
				if ((is(p1, "FROM") || is(p1, "JOIN")) && is(nx, "SELECT"))
					subq |= 1ull << (depth - 1);
				else
					subq &= ~(1ull << (depth - 1));
			}
		} else if (punct(t, ')')) {
			/* PostgreSQL 15 wants a name for a subquery in FROM; SQLite does not. */
			if (depth >= 1 && depth <= 64 && (subq >> (depth - 1) & 1)) {
				subq &= ~(1ull << (depth - 1));
				if (!(nx && nx->kind == T_WORD && !keyword(nx) &&
				      !is(nx, "WHERE") && !is(nx, "GROUP") && !is(nx, "ORDER") &&
				      !is(nx, "LIMIT") && !is(nx, "JOIN") && !is(nx, "LEFT") &&
				      !is(nx, "CROSS") && !is(nx, "INNER") && !is(nx, "UNION") &&
				      !is(nx, "ON")) ||
				    is(nx, "AS")) {
					if (!is(nx, "AS")) {
						snprintf(num, sizeof(num), ") AS lotsen_q%d",
						         ++nsub);
						depth--;
						puts_(&b, num);
						continue;
					}
				}
			}
			depth--;
		}
		/* Unary plus, SQLite's way to keep an index out: PostgreSQL has none for text. */
		if (punct(t, '+')) {
			const struct tok *p1 = prev(v, i);
			if (!p1 || (p1->kind == T_WORD && keyword(p1)) || is(p1, "ON") ||
			    is(p1, "BY") || is(p1, "SELECT") ||
			    (p1->kind == T_PUNCT && !punct(p1, ')')))
				continue;
		}
		/* WHERE 1 AND …: SQLite's integers are booleans, PostgreSQL's are not. */
		if (t->kind == T_NUMBER && t->n == 1 && (t->p[0] == '1' || t->p[0] == '0') &&
		    is(prev(v, i), "WHERE") &&
		    (!nx || is(nx, "AND") || is(nx, "OR") || is(nx, "ORDER") || is(nx, "GROUP") ||
		     is(nx, "LIMIT") || punct(nx, ')') || punct(nx, ';'))) {
			puts_(&b, t->p[0] == '1' ? "TRUE" : "FALSE");
			continue;
		}
		/* The end of a statement: a pending ON CONFLICT goes before it. */
		if ((punct(t, ';') && depth == 0) || (is(t, "RETURNING") && depth == 0)) {
			if (is(t, "RETURNING"))
				returning = true;
			if (ignore) {
				/* before the white space that precedes this token */
				size_t sp = 0;
				while (sp < b.len && isspace((unsigned char)b.p[b.len - 1 - sp]))
					sp++;
				char tail[64];
				size_t tn = sp < sizeof(tail) ? sp : sizeof(tail) - 1;
				memcpy(tail, b.p + b.len - tn, tn);
				b.len -= tn;
				puts_(&b, " ON CONFLICT DO NOTHING");
				put(&b, tail, tn);
				ignore = false;
			}
			if (punct(t, ';'))
				first = true;
			upsert = false;
		}
		/* INSERT … ON CONFLICT … DO UPDATE SET n = n + excluded.n: SQLite reads a bare
		 * column as the table's, PostgreSQL finds it ambiguous; it is qualified. */
		if (is(t, "SET") && out->table[0]) {
			const struct tok *p1 = prev(v, i);
			if (is(p1, "UPDATE") && is(prev(v, (size_t)(p1 - v)), "DO"))
				upsert = true;
		}
		if (upsert && t->kind == T_WORD && !keyword(t) && !punct(nx, '(') &&
		    !punct(nx, '.') && !punct(nx, '=') && !punct(prev(v, i), '.') &&
		    !is(prev(v, i), "AS")) {
			puts_(&b, out->table);
			put(&b, ".", 1);
		}
		/* A CREATE TABLE's options (STRICT, WITHOUT ROWID, in any order, with commas)
		 * end the statement after its closing parenthesis: they are dropped. */
		if (punct(t, ')') && depth == 0) {
			size_t j = i, last = i;
			bool opt = false, norowid = false;
			const struct tok *w;
			while ((w = next(v, n, j, &j)) != NULL) {
				if (is(w, "STRICT") || is(w, "ROWID") || punct(w, ',')) {
					opt = opt || !punct(w, ',');
					last = j;
				} else if (is(w, "WITHOUT")) {
					last = j;
					norowid = true;
				} else {
					break;
				}
			}
			/* Every SQLite table without an INTEGER PRIMARY KEY has a rowid the domain
			 * may order by: PostgreSQL's gets a column of that name. */
			if (create && !ipk && !norowid && (!w || punct(w, ';') || opt))
				puts_(&b, ", rowid BIGINT GENERATED ALWAYS AS IDENTITY");
			create = false;
			if (opt && (!w || punct(w, ';'))) {
				put(&b, ")", 1);
				i = last;
				continue;
			}
		}
		switch (t->kind) {
		case T_PARAM:
			if (t->n > 1) {
				int k = (int)strtol(t->p + 1, NULL, 10);
				if (k > param)
					param = k;
				put(&b, "$", 1);
				put(&b, t->p + 1, t->n - 1);
			} else {
				snprintf(num, sizeof(num), "$%d", ++param);
				puts_(&b, num);
			}
			if (param > out->nparams)
				out->nparams = param;
			continue;
		case T_QUOTED:
			if (t->p[0] == '`') { /* MySQL-style quoting SQLite accepts */
				put(&b, "\"", 1);
				put(&b, t->p + 1, t->n >= 2 ? t->n - 2 : 0);
				put(&b, "\"", 1);
				continue;
			}
			break;
		case T_WORD:
			if (is(t, "INSERT") && is(nx, "OR")) {
				size_t at2 = 0;
				const struct tok *w = next(v, n, at, &at2);
				if (is(w, "IGNORE")) {
					puts_(&b, "INSERT");
					ignore = true;
					i = at2;
					continue;
				}
			}
			if (out->insert && is(t, "INTO") && !out->table[0] && nx &&
			    nx->kind == T_WORD && nx->n < sizeof(out->table)) {
				memcpy(out->table, nx->p, nx->n);
				out->table[nx->n] = '\0';
			}
			/* id IN (SELECT value FROM json_each(?)): SQLite compares the JSON's
			 * numbers with the ids; PostgreSQL needs them as integers (a column named
			 * id or
			 * *_id, by Lotsen's naming). */
			if (is(t, "value") && is(nx, "FROM") &&
			    is(next(v, n, at, NULL), "json_each")) {
				const struct tok *p1 = prev(v, i), *p2 = NULL, *p3 = NULL,
				                 *w = NULL;
				if (is(p1, "SELECT"))
					p2 = prev(v, (size_t)(p1 - v));
				if (punct(p2, '('))
					p3 = prev(v, (size_t)(p2 - v));
				if (is(p3, "IN"))
					w = prev(v, (size_t)(p3 - v));
				if (w && w->kind == T_WORD &&
				    ((w->n == 2 && strncasecmp(w->p, "id", 2) == 0) ||
				     (w->n > 3 && strncasecmp(w->p + w->n - 3, "_id", 3) == 0))) {
					puts_(&b, "CAST(value AS BIGINT)");
					continue;
				}
			}
			/* SQLite's catalog, as far as the domain asks it (does a table exist). */
			if (is(t, "sqlite_master") || is(t, "sqlite_schema")) {
				puts_(&b,
				      "(SELECT 'table' AS type, table_name AS name, table_name AS "
				      "tbl_name FROM information_schema.tables WHERE table_schema "
				      "= "
				      "current_schema())");
				if (!(nx && nx->kind == T_WORD && !keyword(nx) && !is(nx, "WHERE")))
					puts_(&b, " AS sqlite_master");
				continue;
			}
			/* LIMIT -1 (or any negative count) is no limit on SQLite, an error here */
			if (is(t, "LIMIT") && nx && nx->kind == T_PARAM) {
				int k = nx->n > 1 ? (int)strtol(nx->p + 1, NULL, 10) : ++param;
				if (k > param)
					param = k;
				if (param > out->nparams)
					out->nparams = param;
				snprintf(num, sizeof(num), "$%d", k);
				puts_(&b, "LIMIT CASE WHEN ");
				puts_(&b, num);
				puts_(&b, " < 0 THEN NULL ELSE ");
				puts_(&b, num);
				puts_(&b, " END");
				i = at;
				continue;
			}
			if (is(t, "LIMIT") && punct(nx, '-')) {
				size_t a2 = 0;
				const struct tok *w = next(v, n, at, &a2);
				if (w && w->kind == T_NUMBER) {
					puts_(&b, "LIMIT ALL");
					i = a2;
					continue;
				}
			}
			/* x'0A1B', SQLite's blob literal: PostgreSQL's bytea from hex */
			if (t->n == 1 && (t->p[0] == 'x' || t->p[0] == 'X') && i + 1 < n &&
			    v[i + 1].kind == T_STRING) {
				puts_(&b, "decode(");
				put(&b, v[i + 1].p, v[i + 1].n);
				puts_(&b, ", 'hex')");
				i++;
				continue;
			}
			if (is(t, "IFNULL") && punct(nx, '(')) {
				puts_(&b, "COALESCE");
				continue;
			}
			if (is(t, "unixepoch") && punct(nx, '(')) {
				size_t c = 0;
				if (punct(next(v, n, at, &c), ')')) {
					puts_(&b, "CAST(floor(extract(epoch from "
					          "clock_timestamp())) AS bigint)");
					i = c;
					continue;
				}
			}
			if (is(t, "strftime") && punct(nx, '(')) {
				/* strftime('%s','now') exactly */
				size_t a1 = n, a2 = n, a3 = n, a4 = n;
				const struct tok *s1 = next(v, n, at, &a1);
				const struct tok *c1 = next(v, n, a1, &a2);
				const struct tok *s2 = next(v, n, a2, &a3);
				const struct tok *cl = next(v, n, a3, &a4);
				if (s1 && s1->n == 4 && strncmp(s1->p, "'%s'", 4) == 0 &&
				    punct(c1, ',') && s2 && s2->n == 5 &&
				    strncasecmp(s2->p, "'now'", 5) == 0 && punct(cl, ')')) {
					puts_(&b, "CAST(floor(extract(epoch from "
					          "clock_timestamp())) AS bigint)");
					i = a4;
					continue;
				}
			}
			if ((is(t, "max") || is(t, "min")) && punct(nx, '(') &&
			    multi_arg(v, n, at)) {
				puts_(&b, is(t, "max") ? "GREATEST" : "LEAST");
				continue;
			}
			if (is(t, "IS")) {
				const struct tok *w = nx;
				bool not = is(w, "NOT");
				size_t a2 = at;
				if (not )
					w = next(v, n, at, &a2);
				if (!is(w, "NULL") && !is(w, "TRUE") && !is(w, "FALSE") &&
				    !is(w, "DISTINCT") && w) {
					puts_(&b,
					      not ? "IS DISTINCT FROM" : "IS NOT DISTINCT FROM");
					if (not )
						i = at;
					continue;
				}
			}
			if (is(t, "GLOB") && nx && nx->kind == T_STRING) {
				/* GLOB 'pattern' → SIMILAR TO, with * and ? as % and _ */
				puts_(&b, "SIMILAR TO '");
				for (size_t k = 1; k + 1 < nx->n; k++) {
					char c = nx->p[k];
					put(&b, c == '*' ? "%" : c == '?' ? "_" : &nx->p[k], 1);
				}
				put(&b, "'", 1);
				i = at;
				continue;
			}
			if (is(t, "LIKE")) {
				puts_(&b, "ILIKE");
				continue;
			}
			if (is(t, "INTEGER")) {
				size_t a2;
				if (is(nx, "PRIMARY") && is(next(v, n, at, &a2), "KEY")) {
					puts_(&b, "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY "
					          "KEY");
					ipk = true;
					i = a2;
					continue;
				}
				puts_(&b, "BIGINT");
				continue;
			}
			if (is(t, "REAL")) {
				puts_(&b, "DOUBLE PRECISION");
				continue;
			}
			if (is(t, "BLOB")) {
				puts_(&b, "BYTEA");
				continue;
			}
			if (is(t, "AUTOINCREMENT"))
				continue;
			break;
		default:
			break;
		}
		put(&b, t->p, t->n);
	}
	if (ignore)
		puts_(&b, " ON CONFLICT DO NOTHING");
	free(v);
	if (b.oom || !b.p) {
		free(b.p);
		if (b.oom)
			return ENOMEM;
		b.p = calloc(1, 1);
		if (!b.p)
			return ENOMEM;
	}
	if (returning)
		out->insert = false;
	if (!out->insert)
		out->table[0] = '\0';
	out->text = b.p;
	return 0;
}
