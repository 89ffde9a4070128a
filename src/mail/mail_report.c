/* The monthly report by e-mail: when a client's report for a month is stored, each
 * agreement of the client with recipients gets it once, as PDF and CSV, and an in-app
 * notice is kept. Exactly once per agreement and month: the record in mail_report_sends
 * is written in the transaction that queues the messages and stores the report. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/log.h"
#include "mail/mail_int.h"
#include "store/db.h"

static const char *const month_names[] = {"januari",   "februari", "mars",     "april",
                                          "maj",       "juni",     "juli",     "augusti",
                                          "september", "oktober",  "november", "december"};

/* "november 2026" from "2026-11" (the text itself when it is not a month). */
static void month_words(const char *month, char *out, size_t n)
{
	char *end;
	long y = strtol(month, &end, 10), m = 0;

	if (end && *end == '-')
		m = strtol(end + 1, NULL, 10);
	if (y < 1 || m < 1 || m > 12)
		snprintf(out, n, "%s", month);
	else
		snprintf(out, n, "%s %ld", month_names[m - 1], y);
}

/* A file name without path separators or quotes: the client's name may hold anything. */
static void file_name(char *out, size_t n, const char *client, const char *month, const char *ext)
{
	size_t k;

	snprintf(out, n, "Månadsrapport %s %s.%s", month, client, ext);
	for (k = 0; out[k]; k++)
		if (strchr("/\\\"<>:|?*", out[k]) || (unsigned char)out[k] < 0x20)
			out[k] = '_';
}

static int send_agreement(struct db *db, const struct mail_report *r,
                          const struct mail_report_agr *a, int64_t now, int *queued)
{
	char words[64], subject[512], text[2048], pdf_name[400], csv_name[400], note[1024];
	struct mail_file_part files[2];
	struct mail_box box;
	json_t *list = json_loads(a->recipients, 0, NULL), *x;
	size_t i, nto = json_array_size(list), nfiles = 0;
	int err;

	if (!json_is_array(list) || nto == 0) {
		json_decref(list);
		return 0;
	}
	month_words(r->month, words, sizeof(words));
	snprintf(subject, sizeof(subject), "Månadsrapport %s – %s", words, a->client_name);
	snprintf(text, sizeof(text),
	         "Hej!\n\n"
	         "Här kommer kontaktcentrets månadsrapport för %s för %s enligt avtalet "
	         "\"%s\": som PDF och som CSV-fil för Excel.\n\n"
	         "Rapporten finns också i Lotsen under Rapporter.\n\n"
	         "Det här är ett automatiskt meddelande från Lotsen.",
	         words, a->client_name, a->name);
	file_name(pdf_name, sizeof(pdf_name), a->client_name, r->month, "pdf");
	file_name(csv_name, sizeof(csv_name), a->client_name, r->month, "csv");
	files[nfiles++] =
	        (struct mail_file_part){pdf_name, "application/pdf", NULL, r->pdf, r->pdf_len};
	if (r->csv && r->csv_len)
		files[nfiles++] =
		        (struct mail_file_part){csv_name, "text/csv", "utf-8", r->csv, r->csv_len};
	err = mail_store_notice_box(db, a->group_id, &box);
	if (err == ENOENT) {
		/* Recorded as sent to none, so a mailbox added later does not send old months. */
		log_warn("mail.report", "agreement=%lld month=%s sent=false reason=\"no mailbox\"",
		         (long long)a->id, r->month);
		err = mail_store_report_mark(db, a->id, r->month, 0, now);
		json_decref(list);
		return err == EEXIST ? 0 : err;
	}
	if (!err)
		err = mail_store_report_mark(db, a->id, r->month, (int)nto, now);
	if (err == EEXIST) {
		json_decref(list);
		return 0; /* sent before */
	}
	json_array_foreach(list, i, x)
	{
		if (err)
			break;
		err = mail_compose_report(db, &box, json_string_value(x), subject, text, files,
		                          nfiles, now);
		if (!err && queued)
			(*queued)++;
	}
	if (!err) {
		snprintf(note, sizeof(note), "%s har skickats per e-post till %zu mottagare.",
		         subject, nto);
		err = mail_store_report_notify(db, r->client_id, a->recipients, note, now);
	}
	if (!err)
		log_info("mail.report", "agreement=%lld month=%s recipients=%zu", (long long)a->id,
		         r->month, nto);
	json_decref(list);
	return err;
}

int mail_report_send(struct db *db, const struct mail_report *r, int64_t now, int *queued)
{
	struct mail_report_agr *list = NULL;
	size_t n = 0;
	int err;

	if (queued)
		*queued = 0;
	if (!r || !r->month || !r->client_id || !r->pdf)
		return EINVAL;
	err = mail_store_report_agrs(db, r->client_id, r->month, &list, &n);
	if (err)
		return err;
	err = db_begin(db);
	if (err) {
		mail_store_report_agrs_free(list, n);
		return err;
	}
	for (size_t i = 0; i < n && !err; i++)
		err = send_agreement(db, r, &list[i], now, queued);
	if (!err)
		err = db_commit(db);
	if (err)
		db_rollback(db);
	mail_store_report_agrs_free(list, n);
	return err;
}
