/* Monthly report and invoice basis: case and call figures per group and client. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acd/acd_stats.h"
#include "base/calendar.h"
#include "report/report.h"
#include "report/report_int.h"
#include "store/db.h"

#define channels  report_channels
#define NCHANNELS REPORT_NCHANNELS

static json_t *money(int64_t ore)
{
	return json_real((double)ore / 100.0);
}

static json_t *time_json(int64_t t)
{
	char buf[21];

	calendar_format_iso8601(t, buf);
	return json_string(buf);
}

/* ======================================================================
 * Invoice basis
 * ====================================================================== */

/* One agreement valid in the month, as read before its cases are. */
struct agreement_row {
	int64_t id, client_id;
	char name[160], client_name[160];
	struct date valid_from, valid_to; /* valid_to.y 0: open-ended */
	json_t *prices;                   /* {channel: SEK} or NULL (owned) */
	double fixed_annual_price;        /* 0 when none */
	bool has_fixed;                   /* fixed_annual_price was set */
};

static int read_agreements(struct db *db, const struct report_month *m, int64_t client_id,
                           struct agreement_row **out, size_t *n)
{
	static const char q[] =
	        "SELECT a.id, a.client_id, cl.name, a.name, a.valid_from, a.valid_to, a.prices,"
	        " a.fixed_annual_price FROM agreements a JOIN clients cl ON cl.id = a.client_id"
	        " WHERE a.valid_from <= ? AND (a.valid_to IS NULL OR a.valid_to >= ?)"
	        " AND (? = 0 OR a.client_id = ?) ORDER BY a.client_id, a.id";
	struct agreement_row *list = NULL;
	size_t cnt = 0, cap = 0;
	struct date first = {m->y, m->m, 1},
	            last = {m->y, m->m, calendar_days_in_month(m->y, m->m)};
	char first_s[11], last_s[11];
	struct stmt *s;
	int err = db_prepare(db, &s, q, true);

	*out = NULL;
	*n = 0;
	if (err)
		return err;
	calendar_date_format(&first, first_s);
	calendar_date_format(&last, last_s);
	stmt_bind_text(s, 1, last_s);
	stmt_bind_text(s, 2, first_s);
	stmt_bind_int(s, 3, client_id);
	stmt_bind_int(s, 4, client_id);
	while ((err = stmt_step(s)) == DB_ROW) {
		struct agreement_row *a;

		if (cnt == cap) {
			size_t nc = cap ? cap * 2 : 8;
			struct agreement_row *p = realloc(list, nc * sizeof(*p));
			if (!p) {
				err = ENOMEM;
				break;
			}
			list = p;
			cap = nc;
		}
		a = &list[cnt];
		memset(a, 0, sizeof(*a));
		a->id = stmt_int(s, 0);
		a->client_id = stmt_int(s, 1);
		snprintf(a->client_name, sizeof(a->client_name), "%s", stmt_text(s, 2));
		snprintf(a->name, sizeof(a->name), "%s", stmt_text(s, 3));
		if (calendar_date_parse(stmt_text(s, 4), &a->valid_from) != 0) {
			err = EBADMSG;
			break;
		}
		if (!stmt_is_null(s, 5) &&
		    calendar_date_parse(stmt_text(s, 5), &a->valid_to) != 0) {
			err = EBADMSG;
			break;
		}
		if (!stmt_is_null(s, 6))
			a->prices = json_loads(stmt_text(s, 6), 0, NULL);
		a->has_fixed = !stmt_is_null(s, 7);
		a->fixed_annual_price = a->has_fixed ? stmt_double(s, 7) : 0.0;
		cnt++;
	}
	stmt_done(s);
	if (err != DB_DONE) {
		for (size_t i = 0; i < cnt; i++)
			json_decref(list[i].prices);
		free(list);
		return err;
	}
	*out = list;
	*n = cnt;
	return 0;
}

/* The agreement's lines for the month; adds its amount in öre to *total. */
static int agreement_lines(struct db *db, const struct report_month *m,
                           const struct agreement_row *a, json_t *lines, int64_t *total,
                           int64_t *ncases)
{
	static const char q[] =
	        "SELECT c.id, c.channel, k.kind, k.price_class FROM cases c"
	        " JOIN categories k ON k.id = c.category_id WHERE c.client_id = ?"
	        " AND c.group_id IN (SELECT group_id FROM agreement_groups WHERE agreement_id = ?)"
	        " AND c.received_at >= ? AND c.received_at < ? AND c.outcome IS NOT NULL"
	        " ORDER BY c.id";
	struct date first = {m->y, m->m, 1},
	            last = {m->y, m->m, calendar_days_in_month(m->y, m->m)};
	struct date from = first, to = last, next;
	json_t *ids[NCHANNELS], *kind_ids[REPORT_NKINDS], *class_ids = json_object();
	const json_t *kind_prices = json_object_get(a->prices, "kinds"),
	             *class_prices = json_object_get(a->prices, "classes");
	int64_t t_from, t_to;
	struct stmt *s;
	int err;

	/* the days of the month the agreement is valid, and those days as UTC instants */
	if (calendar_date_to_days(&a->valid_from) > calendar_date_to_days(&from))
		from = a->valid_from;
	if (a->valid_to.y && calendar_date_to_days(&a->valid_to) < calendar_date_to_days(&to))
		to = a->valid_to;
	calendar_add_days(&to, 1, &next);
	if (calendar_local_to_utc(&from, 0, 0, &t_from) ||
	    calendar_local_to_utc(&next, 0, 0, &t_to))
		return EINVAL;

	err = db_prepare(db, &s, q, true);
	if (err) {
		json_decref(class_ids);
		return err;
	}
	for (size_t i = 0; i < NCHANNELS; i++)
		ids[i] = json_array();
	for (size_t i = 0; i < REPORT_NKINDS; i++)
		kind_ids[i] = json_array();
	stmt_bind_int(s, 1, a->client_id);
	stmt_bind_int(s, 2, a->id);
	stmt_bind_int(s, 3, t_from);
	stmt_bind_int(s, 4, t_to);
	/* The price a case is billed at (prices by complexity): its category's price class if the
	 * agreement prices that class, else its category kind if priced, else its channel. */
	while ((err = stmt_step(s)) == DB_ROW) {
		const char *kind = stmt_text(s, 2), *cls = stmt_text(s, 3);
		json_t *id = json_integer(stmt_int(s, 0));

		if (cls && json_is_number(json_object_get(class_prices, cls))) {
			json_t *arr = json_object_get(class_ids, cls);
			if (!arr) {
				arr = json_array();
				json_object_set_new(class_ids, cls, arr);
			}
			json_array_append_new(arr, id);
			continue;
		}
		if (json_is_number(json_object_get(kind_prices, kind))) {
			for (size_t i = 0; i < REPORT_NKINDS; i++)
				if (strcmp(kind, report_kinds[i]) == 0)
					json_array_append(kind_ids[i], id);
			json_decref(id);
			continue;
		}
		for (size_t i = 0; i < NCHANNELS; i++)
			if (strcmp(stmt_text(s, 1), channels[i]) == 0)
				json_array_append(ids[i], id);
		json_decref(id);
	}
	stmt_done(s);
	err = err == DB_DONE ? 0 : err;

	for (size_t i = 0; i < NCHANNELS; i++) {
		size_t count = json_array_size(ids[i]);
		json_t *price = json_object_get(a->prices, channels[i]);
		int64_t ore = 0;

		if (err || count == 0) {
			json_decref(ids[i]);
			continue;
		}
		/* the price per case in whole öre, so that amounts add up exactly */
		if (json_is_number(price))
			ore = llround(json_number_value(price) * 100.0) * (int64_t)count;
		*total += ore;
		*ncases += (int64_t)count;
		json_array_append_new(
		        lines, json_pack("{s:s,s:s,s:s,s:s,s:I,s:O,s:o,s:o}", "kind", "cases",
		                         "channel", channels[i], "price_basis", "channel",
		                         "price_key", channels[i], "count", (json_int_t)count,
		                         "price", json_is_number(price) ? price : json_null(),
		                         "amount", money(ore), "case_ids", ids[i]));
	}
	/* then the cases priced by category kind, then by price class; `channel` names the
	 * basis's key so the files' "Kanal" column says what was priced */
	for (size_t i = 0; i < REPORT_NKINDS; i++) {
		size_t count = json_array_size(kind_ids[i]);
		json_t *price = json_object_get(kind_prices, report_kinds[i]);
		int64_t ore;

		if (err || count == 0) {
			json_decref(kind_ids[i]);
			continue;
		}
		ore = llround(json_number_value(price) * 100.0) * (int64_t)count;
		*total += ore;
		*ncases += (int64_t)count;
		json_array_append_new(lines,
		                      json_pack("{s:s,s:s,s:s,s:s,s:I,s:O,s:o,s:o}", "kind",
		                                "cases", "channel", report_kinds[i], "price_basis",
		                                "category_kind", "price_key", report_kinds[i],
		                                "count", (json_int_t)count, "price", price,
		                                "amount", money(ore), "case_ids", kind_ids[i]));
	}
	if (!err) {
		const char *cls;
		json_t *arr;

		json_object_foreach(class_ids, cls, arr)
		{
			size_t count = json_array_size(arr);
			json_t *price = json_object_get(class_prices, cls);
			int64_t ore = llround(json_number_value(price) * 100.0) * (int64_t)count;

			*total += ore;
			*ncases += (int64_t)count;
			json_array_append_new(lines,
			                      json_pack("{s:s,s:s,s:s,s:s,s:I,s:O,s:o,s:O}", "kind",
			                                "cases", "channel", cls, "price_basis",
			                                "price_class", "price_key", cls, "count",
			                                (json_int_t)count, "price", price, "amount",
			                                money(ore), "case_ids", arr));
		}
	}
	json_decref(class_ids);
	if (!err && a->has_fixed) {
		int days = (int)(calendar_date_to_days(&to) - calendar_date_to_days(&from)) + 1;
		int year_days = calendar_date_valid(m->y, 2, 29) ? 366 : 365;
		int64_t ore = llround(a->fixed_annual_price * 100.0 * days / year_days);

		*total += ore;
		json_array_append_new(lines,
		                      json_pack("{s:s,s:f,s:i,s:i,s:o}", "kind", "fixed",
		                                "annual_price", a->fixed_annual_price, "days", days,
		                                "days_in_year", year_days, "amount", money(ore)));
	}
	return err;
}

int report_invoice(struct db *db, const struct principal *who, const char *month, int64_t client_id,
                   json_t **out)
{
	struct agreement_row *list = NULL;
	struct report_month m;
	json_t *agreements = json_array(), *clients = json_array();
	int64_t grand = 0, client_total = 0, client_cases = 0;
	size_t n = 0;
	char mstr[16];
	int err;

	*out = NULL;
	if (report_month_parse(month, &m))
		err = EINVAL;
	else
		err = report_access_check(who, &client_id);
	if (!err)
		err = read_agreements(db, &m, client_id, &list, &n);
	for (size_t i = 0; i < n && !err; i++) {
		const struct agreement_row *a = &list[i];
		json_t *lines = json_array();
		int64_t total = 0, ncases = 0;
		char vf[11], vt[11];

		err = agreement_lines(db, &m, a, lines, &total, &ncases);
		calendar_date_format(&a->valid_from, vf);
		if (a->valid_to.y)
			calendar_date_format(&a->valid_to, vt);
		json_array_append_new(
		        agreements,
		        json_pack("{s:I,s:s,s:I,s:s,s:s,s:o,s:I,s:o,s:o}", "agreement_id",
		                  (json_int_t)a->id, "name", a->name, "client_id",
		                  (json_int_t)a->client_id, "client_name", a->client_name,
		                  "valid_from", vf, "valid_to",
		                  a->valid_to.y ? json_string(vt) : json_null(), "cases",
		                  (json_int_t)ncases, "lines", lines, "amount", money(total)));
		grand += total;
		client_total += total;
		client_cases += ncases;
		/* agreements come ordered by client: close the client's sum at its last one */
		if (i + 1 == n || list[i + 1].client_id != a->client_id) {
			json_array_append_new(clients, json_pack("{s:I,s:s,s:I,s:o}", "client_id",
			                                         (json_int_t)a->client_id,
			                                         "client_name", a->client_name,
			                                         "cases", (json_int_t)client_cases,
			                                         "amount", money(client_total)));
			client_total = 0;
			client_cases = 0;
		}
	}
	for (size_t i = 0; i < n; i++)
		json_decref(list[i].prices);
	free(list);
	if (err) {
		json_decref(agreements);
		json_decref(clients);
		return err;
	}
	snprintf(mstr, sizeof(mstr), "%04d-%02d", m.y % 10000, m.m % 100);
	*out = json_pack("{s:s,s:o,s:o,s:o,s:o,s:o,s:o}", "month", mstr, "from", time_json(m.from),
	                 "to", time_json(m.to), "client_id",
	                 client_id ? json_integer(client_id) : json_null(), "agreements",
	                 agreements, "clients", clients, "amount", money(grand));
	return 0;
}
