/* /api/v1/cases/{id}/mails, /api/v1/mails/{id}[/raw], /api/v1/mail-attachments/{id}. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "acdhost/acd_host.h"
#include "http/http_int.h"
#include "mail/mail.h"
#include "mail/mail_net.h"

static int mail_error(struct req *r, int err, const char *what_sv, const char *what_en, int64_t id)
{
	if (err == ENOENT)
		return resp_error(
		        r, 404, "not-found", L(r, "Finns inte", "Not found"),
		        L(r, "Det finns inget %s med id %lld.", "There is no %s with id %lld."),
		        L(r, what_sv, what_en), (long long)id);
	if (err == EPERM)
		return resp_error(r, 403, "forbidden", L(r, "Ej behörig", "Forbidden"), "%s",
		                  L(r,
		                    "Ärendet är sekretessmarkerat eller hör till en annan "
		                    "förvaltning.",
		                    "The case is confidential or belongs to another department."));
	if (err == ENODATA)
		return resp_error(
		        r, 404, "not-stored", L(r, "Inte sparad", "Not stored"), "%s",
		        L(r,
		          "Innehållet sparades inte (större än gränsen för bilagor) eller "
		          "finns inte längre.",
		          "The content was not kept (larger than the attachment limit) or "
		          "is gone."));
	return resp_store_error(r, err, "mail");
}

static int case_mails(struct req *r)
{
	json_t *items;
	int err = mail_case_list(r->app->db, &r->who, r->params[0], r->now, &items);

	if (err)
		return mail_error(r, err, "ärende", "case", r->params[0]);
	return resp_json(r, 200,
	                 json_pack("{s:o,s:I}", "items", items, "total",
	                           (json_int_t)json_array_size(items)));
}

static int mail_one(struct req *r)
{
	json_t *o;
	int err = mail_get(r->app->db, &r->who, r->params[0], r->now, &o);

	if (err)
		return mail_error(r, err, "e-postmeddelande", "mail", r->params[0]);
	return resp_json(r, 200, o);
}

static int mail_raw(struct req *r)
{
	char *data = NULL, disp[96];
	size_t n = 0;
	int err = mail_raw_get(r->app->db, &r->who, r->params[0], r->now, &data, &n);

	if (err)
		return mail_error(r, err, "e-postmeddelande", "mail", r->params[0]);
	err = resp_text(r, 200, "message/rfc822", data, n);
	free(data);
	if (err)
		return err;
	snprintf(disp, sizeof(disp), "attachment; filename=\"meddelande-%lld.eml\"",
	         (long long)r->params[0]);
	MHD_add_response_header(r->resp, "Content-Disposition", disp);
	return 0;
}

/* RFC 6266: an ASCII fallback name and the UTF-8 name percent-encoded (RFC 8187). */
static void disposition(const char *name, char *out, size_t n)
{
	char ascii[128], enc[800];
	size_t a = 0, e = 0;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if (a + 1 < sizeof(ascii))
			ascii[a++] =
			        (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\' && *p != '%')
			                ? (char)*p
			                : '_';
		if (e + 4 < sizeof(enc)) {
			if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			    (*p >= '0' && *p <= '9') || strchr("-._~", *p))
				enc[e++] = (char)*p;
			else
				e += (size_t)snprintf(enc + e, sizeof(enc) - e, "%%%02X", *p);
		}
	}
	ascii[a] = '\0';
	enc[e] = '\0';
	snprintf(out, n, "attachment; filename=\"%s\"; filename*=UTF-8''%s", ascii, enc);
}

static int attachment(struct req *r)
{
	char *data = NULL, filename[256], ctype[128], disp[1100];
	size_t n = 0;
	int err = mail_attachment_get(r->app->db, &r->who, r->params[0], r->now, &data, &n,
	                              filename, ctype);

	if (err)
		return mail_error(r, err, "bilaga", "attachment", r->params[0]);
	/* Never rendered by the browser as what the sender said it was. */
	err = resp_text(r, 200, "application/octet-stream", data, n);
	free(data);
	if (err)
		return err;
	disposition(filename, disp, sizeof(disp));
	MHD_add_response_header(r->resp, "Content-Disposition", disp);
	return 0;
}

static int answer(struct req *r)
{
	json_t *in, *text, *row = NULL;
	const char *k;
	json_t *x;
	struct problem p;
	int err;

	if (req_json_object(r, &in))
		return 0;
	problem_init(&p);
	p.status = 422;
	json_object_foreach(in, k, x) if (strcmp(k, "text") != 0)
	        valid_add(&p.errors, k, "%s",
	                  L(r, "okänt fält; tillåtna: text", "unknown field; accepted: text"));
	text = json_object_get(in, "text");
	if (!text)
		valid_add(&p.errors, "text", "%s", L(r, "måste anges", "is required"));
	else if (!json_is_string(text))
		valid_add(&p.errors, "text", "%s", L(r, "ska vara en text", "must be a string"));
	else if (json_string_length(text) > 256 * 1024)
		valid_add(&p.errors, "text", "%s",
		          L(r, "är för lång (högst 256 kB)", "is too long (at most 256 kB)"));
	else if (!json_string_value(text)[strspn(json_string_value(text), " \t\r\n")])
		valid_add(&p.errors, "text", "%s", L(r, "får inte vara tom", "may not be empty"));
	if (valid_has_errors(&p.errors)) {
		json_decref(in);
		return resp_problem(r, &p);
	}
	err = mail_answer(r->app->db, &r->who, r->params[0], json_string_value(text), r->now, &row);
	json_decref(in);
	if (err == ENOMSG)
		return resp_error(r, 400, "no-mail", L(r, "Inget e-postmeddelande", "No e-mail"),
		                  "%s",
		                  L(r, "Ärendet har inget inkommet e-postmeddelande att svara på.",
		                    "The case has no incoming e-mail to answer."));
	if (err == EDESTADDRREQ || err == ENXIO)
		return resp_error(r, 409, "no-address", L(r, "Ingen adress", "No address"), "%s",
		                  err == ENXIO
		                          ? L(r, "Det finns ingen brevlåda att skicka från.",
		                              "There is no mailbox to send from.")
		                          : L(r, "Ärendet har ingen e-postadress att svara till.",
		                              "The case has no e-mail address to answer to."));
	if (err == EINVAL)
		return resp_error(r, 422, "validation", L(r, "Ogiltig text", "Invalid text"), "%s",
		                  L(r, "Texten ska vara giltig UTF-8 och inte tom.",
		                    "The text must be valid UTF-8 and not empty."));
	if (err)
		return mail_error(r, err, "ärende", "case", r->params[0]);
	mail_net_kick(r->app->mail); /* sent once the request's batch is committed */
	if (r->app->acd)             /* the case's e-mail item in the queue is done */
		(void)acd_host_mail_answered(r->app->acd, r->params[0], acd_now_ms());
	return resp_json(r, 201, row);
}

const struct route api_mail_routes[] = {
        {"GET", "/api/v1/cases/{id}/mails", ROLES_ANY, case_mails},
        {"POST", "/api/v1/cases/{id}/mails", ROLES_STAFF | ROUTE_QUEUE, answer},
        {"GET", "/api/v1/mails/{id}", ROLES_ANY, mail_one},
        {"GET", "/api/v1/mails/{id}/raw", ROLES_STAFF, mail_raw},
        {"GET", "/api/v1/mail-attachments/{id}", ROLES_ANY, attachment},
        {NULL, NULL, 0, NULL},
};
