/* Scheduled delivery: last month's reports made on the first working day and stored. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/calendar.h"
#include "base/log.h"
#include "report/report.h"
#include "report/report_int.h"
#include "store/db.h"

static const char *const formats[] = {"json", "pdf", "xlsx"};

/* Who hears of a client's stored monthly report (set once at start-up). */
static report_stored_h *stored_observer;

void report_set_stored_observer(report_stored_h *h)
{
	stored_observer = h;
}

void report_due_month(int64_t now, char out[16])
{
	struct local_time lt;
	struct date first, work;
	int y, m;

	calendar_local_from_utc(now, &lt);
	first = (struct date){lt.date.y, lt.date.m, 1};
	calendar_add_working_days(&first, 0, &work);
	y = lt.date.y;
	m = lt.date.m - (calendar_date_to_days(&lt.date) >= calendar_date_to_days(&work) ? 1 : 2);
	if (m < 1) {
		m += 12;
		y--;
	}
	snprintf(out, 16, "%04d-%02d", y % 10000, m % 100);
}

static bool stored(struct db *db, const char *month, int64_t client, const char *format)
{
	struct stmt *s;
	bool yes = false;

	if (db_prepare(
	            db, &s,
	            "SELECT 1 FROM report_stored WHERE month = ? AND client_id = ? AND format = ?",
	            true))
		return false;
	stmt_bind_text(s, 1, month);
	stmt_bind_int(s, 2, client);
	stmt_bind_text(s, 3, format);
	yes = stmt_step(s) == DB_ROW;
	stmt_done(s);
	return yes;
}

/* One report in one format as bytes, made in memory. */
static int render(const struct report *rep, const char *format, const char *municipality,
                  char **body, size_t *n)
{
	json_t *o;
	int err;

	if (strcmp(format, "json") != 0)
		return strcmp(format, "pdf") == 0 ? report_monthly_pdf(rep, municipality, body, n)
		                                  : report_monthly_xlsx(rep, municipality, body, n);
	err = report_json(rep, &o);
	if (err)
		return err;
	*body = json_dumps(o, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	*n = *body ? strlen(*body) : 0;
	json_decref(o);
	return *body ? 0 : ENOMEM;
}

static int store(struct db *db, const char *month, int64_t client, const char *format,
                 const char *body, size_t n, int64_t now, bool *inserted)
{
	struct stmt *s;
	int err =
	        db_prepare(db, &s,
	                   "INSERT INTO report_stored(month, client_id, format, body, created_at)"
	                   " VALUES (?,?,?,?,?) ON CONFLICT (month, client_id, format) DO NOTHING",
	                   true);

	if (err)
		return err;
	stmt_bind_text(s, 1, month);
	stmt_bind_int(s, 2, client);
	stmt_bind_text(s, 3, format);
	stmt_bind_blob(s, 4, body, n);
	stmt_bind_int(s, 5, now);
	err = stmt_step(s);
	*inserted = err == DB_DONE && db_changes(db) > 0;
	stmt_done(s);
	return err == DB_DONE ? 0 : err == DB_ROW ? EIO : err;
}

/* The report as CSV, for the e-mail only (not stored). */
static int render_csv(const struct report *rep, char **body, size_t *n)
{
	FILE *f = open_memstream(body, n);
	int err;

	if (!f)
		return ENOMEM;
	err = report_monthly_csv(rep, f);
	if (fclose(f) != 0 && !err)
		err = EIO;
	if (err) {
		free(*body);
		*body = NULL;
		*n = 0;
	}
	return err;
}

/* One report made and waiting to be stored. */
struct report_made {
	char month[16];
	int64_t client;
	const char *format;
	char *body;
	size_t n;
};

struct report_batch {
	struct report_made *items;
	size_t n, cap;
};

void report_batch_free(struct report_batch *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++)
		free(b->items[i].body);
	free(b->items);
	free(b);
}

static int batch_add(struct report_batch *b, const char *month, int64_t client, const char *format,
                     char *body, size_t n)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16;
		struct report_made *items = realloc(b->items, cap * sizeof(*items));

		if (!items)
			return ENOMEM;
		b->items = items;
		b->cap = cap;
	}
	struct report_made *m = &b->items[b->n++];
	snprintf(m->month, sizeof(m->month), "%s", month);
	m->client = client;
	m->format = format;
	m->body = body;
	m->n = n;
	return 0;
}

int report_deliver_render(struct db *db, int64_t now, const char *municipality,
                          struct report_batch **out)
{
	static const struct principal system = {.id = 0, .role = ROLE_ADMIN};
	int64_t clients[256];
	size_t nclients = 1;
	char month[16];
	struct report_batch *b;
	struct stmt *s;
	int err;

	*out = NULL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return ENOMEM;
	report_due_month(now, month);
	clients[0] = 0; /* every client together, for the center's managers */
	err = db_prepare(db, &s, "SELECT id FROM clients WHERE active = 1 ORDER BY id", true);
	if (err) {
		report_batch_free(b);
		return err;
	}
	while ((err = stmt_step(s)) == DB_ROW && nclients < sizeof(clients) / sizeof(clients[0]))
		clients[nclients++] = stmt_int(s, 0);
	stmt_done(s);
	if (err != DB_DONE && err != DB_ROW) {
		report_batch_free(b);
		return err;
	}
	err = 0;
	for (size_t c = 0; c < nclients && !err; c++) {
		struct report *rep = NULL;
		bool pdf_new = false;

		for (size_t f = 0; f < sizeof(formats) / sizeof(formats[0]) && !err; f++) {
			char *body = NULL;
			size_t n = 0;

			if (stored(db, month, clients[c], formats[f]))
				continue;
			if (!rep)
				err = report_build(db, &system, month, clients[c], &rep);
			if (!err)
				err = render(rep, formats[f], municipality, &body, &n);
			if (!err)
				err = batch_add(b, month, clients[c], formats[f], body, n);
			if (err)
				free(body);
			else
				pdf_new |= strcmp(formats[f], "pdf") == 0;
		}
		/* A client's report that is sent on goes as PDF and CSV: the CSV is made here,
		 * beside the others, and never stored. */
		if (!err && pdf_new && clients[c] != 0 && stored_observer) {
			char *body = NULL;
			size_t n = 0;

			err = render_csv(rep, &body, &n);
			if (!err)
				err = batch_add(b, month, clients[c], "csv", body, n);
			if (err)
				free(body);
		}
		report_free(rep);
	}
	if (err) {
		report_batch_free(b);
		return err;
	}
	*out = b;
	return 0;
}

/* One client's reports of the batch, items [from, to): stored in one transaction with
 * what the observer does when the PDF was new. */
static int store_client(struct db *db, const struct report_batch *b, size_t from, size_t to,
                        int64_t now, int *made)
{
	const struct report_made *pdf = NULL, *csv = NULL;
	int n = 0, err = db_begin(db);

	if (err)
		return err;
	for (size_t i = from; i < to && !err; i++) {
		const struct report_made *m = &b->items[i];
		bool inserted = false;

		if (strcmp(m->format, "csv") == 0) {
			csv = m;
			continue;
		}
		err = store(db, m->month, m->client, m->format, m->body, m->n, now, &inserted);
		if (err)
			break;
		n++;
		if (inserted && strcmp(m->format, "pdf") == 0)
			pdf = m;
	}
	if (!err && pdf && pdf->client != 0 && stored_observer) {
		struct report_stored_set set = {pdf->month, pdf->client,          pdf->body,
		                                pdf->n,     csv ? csv->body : "", csv ? csv->n : 0};

		err = stored_observer(db, &set, now);
	}
	if (!err)
		err = db_commit(db);
	if (err) {
		db_rollback(db);
		return err;
	}
	for (size_t i = from; i < to; i++) {
		const struct report_made *m = &b->items[i];

		if (strcmp(m->format, "csv") != 0)
			log_info("report.stored", "month=%s client=%lld format=%s bytes=%zu",
			         m->month, (long long)m->client, m->format, m->n);
	}
	if (made)
		*made += n;
	return 0;
}

int report_deliver_store(struct db *db, const struct report_batch *b, int64_t now, int *made)
{
	int err = 0;

	if (made)
		*made = 0;
	for (size_t i = 0; b && i < b->n && !err;) {
		size_t j = i + 1;

		while (j < b->n && b->items[j].client == b->items[i].client &&
		       strcmp(b->items[j].month, b->items[i].month) == 0)
			j++;
		err = store_client(db, b, i, j, now, made);
		i = j;
	}
	return err;
}

int report_deliver_due(struct db *db, int64_t now, const char *municipality, int *made)
{
	struct report_batch *b;
	int err;

	if (made)
		*made = 0;
	err = report_deliver_render(db, now, municipality, &b);
	if (!err)
		err = report_deliver_store(db, b, now, made);
	report_batch_free(b);
	return err;
}

int report_stored_list(struct db *db, const struct principal *who, const char *month, json_t **out)
{
	static const char q[] =
	        "SELECT r.id, r.month, r.client_id, cl.name, r.format, length(r.body), r.created_at"
	        " FROM report_stored r LEFT JOIN clients cl ON cl.id = r.client_id"
	        " WHERE (?1 IS NULL OR r.month = ?1) AND (?2 = 0 OR r.client_id = ?2)"
	        " ORDER BY r.month DESC, r.client_id, r.format";
	int64_t client = 0;
	json_t *list;
	struct stmt *s;
	int err = report_access_check(who, &client);

	*out = NULL;
	if (err)
		return err;
	err = db_prepare(db, &s, q, true);
	if (err)
		return err;
	stmt_bind_text(s, 1, month);
	stmt_bind_int(s, 2, client);
	list = json_array();
	while ((err = stmt_step(s)) == DB_ROW) {
		char at[21];

		calendar_format_iso8601(stmt_int(s, 6), at);
		json_array_append_new(
		        list,
		        json_pack("{s:I,s:s,s:o,s:o,s:s,s:I,s:s}", "id", (json_int_t)stmt_int(s, 0),
		                  "month", stmt_text(s, 1), "client_id",
		                  stmt_int(s, 2) ? json_integer(stmt_int(s, 2)) : json_null(),
		                  "client_name",
		                  stmt_is_null(s, 3) ? json_null() : json_string(stmt_text(s, 3)),
		                  "format", stmt_text(s, 4), "bytes", (json_int_t)stmt_int(s, 5),
		                  "created_at", at));
	}
	stmt_done(s);
	if (err != DB_DONE) {
		json_decref(list);
		return err == DB_ROW ? EIO : err;
	}
	*out = list;
	return 0;
}

int report_stored_get(struct db *db, const struct principal *who, int64_t id, char **body,
                      size_t *n, char format[8], char month[16])
{
	struct stmt *s;
	int64_t client = 0;
	int err = report_access_check(who, &client);

	*body = NULL;
	*n = 0;
	if (err)
		return err;
	err = db_prepare(db, &s,
	                 "SELECT client_id, format, month, body FROM report_stored WHERE id = ?",
	                 true);
	if (err)
		return err;
	stmt_bind_int(s, 1, id);
	err = stmt_step(s);
	if (err == DB_ROW) {
		size_t len = 0;
		const void *p = stmt_blob(s, 3, &len);

		if (client && stmt_int(s, 0) != client) {
			err = EPERM;
		} else if (!(*body = malloc(len ? len : 1))) {
			err = ENOMEM;
		} else {
			if (len)
				memcpy(*body, p, len);
			*n = len;
			snprintf(format, 8, "%s", stmt_text(s, 1));
			snprintf(month, 16, "%s", stmt_text(s, 2));
			err = 0;
		}
	} else if (err == DB_DONE) {
		err = ENOENT;
	}
	stmt_done(s);
	return err;
}
