/* Outgoing mail composed with GMime: agents' answers and receipts, queued in the outbox. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>
#include <sodium.h>

#include "base/contact.h"
#include "mail/mail_int.h"
#include "store/db.h"

#define ANSWER_MAX_BYTES (256 * 1024)
#define REFS_KEPT        20 /* References: the newest ids are enough to thread by */

struct compose {
	const char *from_addr, *from_name, *to_addr, *subject, *message_id;
	const char *in_reply_to, *references; /* without <>; references space separated */
	const char *text;                     /* UTF-8 body, signature included */
	const char *auto_submitted;           /* "no" or "auto-replied" */
	int64_t now;
};

/* "<a> <b>" from "a b", the newest REFS_KEPT ids only. */
static GString *refs_header(const char *refs, const char *last)
{
	GString *g = g_string_new(NULL);
	char **ids = g_strsplit(refs ? refs : "", " ", -1);
	guint n = g_strv_length(ids), from = n > REFS_KEPT - 1 ? n - (REFS_KEPT - 1) : 0;

	for (guint i = from; i < n; i++) {
		if (!*ids[i])
			continue;
		g_string_append_printf(g, "%s<%s>", g->len ? " " : "", ids[i]);
	}
	if (last && *last)
		g_string_append_printf(g, "%s<%s>", g->len ? " " : "", last);
	g_strfreev(ids);
	return g;
}

/* A message with c's headers and no body yet; the caller unrefs it. */
static GMimeMessage *message_new(const struct compose *c)
{
	GMimeMessage *msg = g_mime_message_new(TRUE);
	GDateTime *dt = g_date_time_new_from_unix_utc(c->now);

	g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_FROM, c->from_name, c->from_addr);
	g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_TO, NULL, c->to_addr);
	g_mime_message_set_subject(msg, c->subject, "utf-8");
	if (dt) {
		GDateTime *local = g_date_time_to_local(dt);
		g_mime_message_set_date(msg, local ? local : dt);
		if (local)
			g_date_time_unref(local);
		g_date_time_unref(dt);
	}
	g_mime_message_set_message_id(msg, c->message_id);
	if (c->in_reply_to && *c->in_reply_to) {
		char *v = g_strdup_printf("<%s>", c->in_reply_to);
		GString *refs = refs_header(c->references, c->in_reply_to);
		g_mime_object_set_header((GMimeObject *)msg, "In-Reply-To", v, NULL);
		g_mime_object_set_header((GMimeObject *)msg, "References", refs->str, NULL);
		g_free(v);
		g_string_free(refs, TRUE);
	}
	g_mime_object_set_header((GMimeObject *)msg, "Auto-Submitted", c->auto_submitted, NULL);
	if (strcmp(c->auto_submitted, "no") != 0)
		g_mime_object_set_header((GMimeObject *)msg, "X-Auto-Response-Suppress", "All",
		                         NULL);
	return msg;
}

/* The message as SMTP sends it (CRLF line ends); *raw is the caller's to free. */
static int message_raw(GMimeMessage *msg, char **raw, size_t *len)
{
	GMimeFormatOptions *fo = g_mime_format_options_new();
	char *s;

	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
	s = g_mime_object_to_string((GMimeObject *)msg, fo);
	g_mime_format_options_free(fo);
	if (!s)
		return ENOMEM;
	*len = strlen(s);
	*raw = strdup(s);
	g_free(s);
	return *raw ? 0 : ENOMEM;
}

static int build(const struct compose *c, char **raw, size_t *len)
{
	GMimeMessage *msg = message_new(c);
	GMimeTextPart *part = g_mime_text_part_new_with_subtype("plain");
	GMimeStream *body = g_mime_stream_mem_new_with_buffer(c->text, strlen(c->text));
	GMimeDataWrapper *w =
	        g_mime_data_wrapper_new_with_stream(body, GMIME_CONTENT_ENCODING_DEFAULT);
	int err;

	g_mime_part_set_content((GMimePart *)part, w);
	g_mime_object_set_content_type_parameter((GMimeObject *)part, "charset", "utf-8");
	g_mime_part_set_content_encoding((GMimePart *)part, GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	g_mime_message_set_mime_part(msg, (GMimeObject *)part);
	err = message_raw(msg, raw, len);
	g_object_unref(w);
	g_object_unref(body);
	g_object_unref(part);
	g_object_unref(msg);
	return err;
}

static const char *domain_of(const struct db *db_unused, const struct mail_cfg *cfg,
                             const struct mail_box *box)
{
	const char *at = strrchr(box->address, '@');

	(void)db_unused;
	return cfg->domain[0] ? cfg->domain : at && at[1] ? at + 1 : "localhost";
}

static void message_id_make(char *out, size_t n, int64_t case_id, int64_t row, const char *domain)
{
	unsigned char rnd[6];
	char hex[sizeof(rnd) * 2 + 1];

	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
	snprintf(out, n, "lotsen.%lld.%lld.%s@%s", (long long)case_id, (long long)row, hex, domain);
}

/* Prefix "Re: " unless it is there (or Outlook's Swedish "SV:"), and the case token. */
static char *answer_subject(const char *orig, int64_t case_id)
{
	GString *g = g_string_new(NULL);
	char *s;

	if (!orig || !*orig)
		g_string_append(g, "Svar från kontaktcenter");
	else if (g_ascii_strncasecmp(orig, "re:", 3) == 0 ||
	         g_ascii_strncasecmp(orig, "sv:", 3) == 0)
		g_string_append(g, orig);
	else
		g_string_append_printf(g, "Re: %s", orig);
	if (mail_subject_token(g->str) != case_id)
		g_string_append_printf(g, " [Lotsen #%lld]", (long long)case_id);
	s = strdup(g->str);
	g_string_free(g, TRUE);
	return s;
}

static char *with_signature(const char *text, const char *signature)
{
	GString *g = g_string_new(text);
	char *s;

	while (g->len && (g->str[g->len - 1] == '\n' || g->str[g->len - 1] == ' ' ||
	                  g->str[g->len - 1] == '\r'))
		g_string_truncate(g, g->len - 1);
	g_string_append_c(g, '\n');
	if (signature && *signature)
		g_string_append_printf(g, "\n-- \n%s\n", signature);
	s = strdup(g->str);
	g_string_free(g, TRUE);
	return s;
}

static const char *queued_note(const char *kind)
{
	if (strcmp(kind, "answer") == 0)
		return "Svar per e-post lagt i kö för att skickas";
	if (strcmp(kind, "notice") == 0)
		return "Avisering per e-post lagd i kö för att skickas";
	return "Mottagningskvitto lagt i kö för att skickas";
}

/* A message from box to `to`; text is the body with the signature already added. */
static void compose_init(struct compose *c, const struct mail_box *box, const char *to,
                         const char *subject, const char *text, const char *auto_submitted,
                         int64_t now)
{
	c->from_addr = box->address;
	c->from_name = box->group_name;
	c->to_addr = to;
	c->subject = subject;
	c->text = text;
	c->auto_submitted = auto_submitted;
	c->now = now;
}

/* The built message c (raw, len) into the outbox; case_id 0: on no case. */
static int outbox_add(struct db *db, int64_t case_id, const char *kind, const struct compose *c,
                      const char *raw, size_t len, int64_t *ob)
{
	struct mail_outrow o = {0};

	o.case_id = case_id;
	o.kind = kind;
	o.from_addr = c->from_addr;
	o.to_addr = c->to_addr;
	o.subject = c->subject;
	o.message_id = c->message_id;
	o.raw = raw;
	o.raw_len = len;
	o.now = c->now;
	return mail_store_outbox_add(db, &o, ob);
}

/* Keep the composed message on the case and in the outbox, one transaction. */
static int queue(struct db *db, const struct mail_box *box, int64_t case_id, int64_t user_id,
                 const char *kind, struct compose *c, const char *domain, int64_t *outbox_id)
{
	struct mail_row row = {0};
	char mid[512];
	char *raw = NULL;
	size_t len = 0;
	int64_t msg_row = 0, ob = 0;
	int err = db_begin(db);

	if (err)
		return err;
	row.case_id = case_id;
	row.mailbox_id = box->id;
	row.direction = "out";
	row.kind = kind;
	row.in_reply_to = c->in_reply_to;
	row.references = c->references;
	row.from_addr = c->from_addr;
	row.from_name = c->from_name;
	row.to_addrs = c->to_addr;
	row.subject = c->subject;
	row.body_text = c->text;
	row.parsed = true;
	row.auto_submitted = strcmp(c->auto_submitted, "no") != 0;
	row.received_at = c->now;
	row.created_at = c->now;
	err = mail_store_message_add(db, &row, &msg_row);
	if (err)
		goto out;
	message_id_make(mid, sizeof(mid), case_id, msg_row, domain);
	c->message_id = mid;
	err = build(c, &raw, &len);
	if (err)
		goto out;
	err = outbox_add(db, case_id, kind, c, raw, len, &ob);
	if (!err)
		err = mail_store_message_set_id(db, msg_row, mid, ob);
	if (!err)
		err = mail_store_case_note(db, case_id, user_id, c->now, "mail", queued_note(kind));
	if (!err)
		err = db_commit(db);
out:
	if (err)
		db_rollback(db);
	else if (outbox_id)
		*outbox_id = ob;
	free(raw);
	return err;
}

int mail_compose_receipt(struct db *db, const struct mail_box *box, int64_t case_id,
                         const struct mail_msg *m, const char *to, int64_t now)
{
	struct mail_cfg cfg;
	struct compose c = {0};
	char subject[128];
	char *text;
	GString *g = g_string_new(NULL);
	int err;

	mail_cfg_get(db, &cfg);
	snprintf(subject, sizeof(subject), "Vi har tagit emot ditt meddelande [Lotsen #%lld]",
	         (long long)case_id);
	g_string_append_printf(
	        g,
	        "Hej!\n\nVi har tagit emot ditt meddelande och gett det ärendenummer %lld. "
	        "Vi svarar så snart vi kan. Skriver du till oss igen om samma sak, svara på det "
	        "här mejlet eller skriv [Lotsen #%lld] i ämnesraden.\n\n"
	        "We have received your message; its case number is %lld.\n\n"
	        "Det här är ett automatiskt svar.",
	        (long long)case_id, (long long)case_id, (long long)case_id);
	text = with_signature(g->str, box->signature);
	g_string_free(g, TRUE);
	if (!text)
		return ENOMEM;
	compose_init(&c, box, to, subject, text, "auto-replied", now);
	c.in_reply_to = m->message_id;
	c.references = m->references;
	err = queue(db, box, case_id, 0, "receipt", &c, domain_of(db, &cfg, box), NULL);
	free(text);
	return err;
}

int mail_compose_answer(struct db *db, int64_t case_id, int64_t user_id, const char *text,
                        int64_t now, int64_t *outbox_id)
{
	struct mail_reply_src src;
	struct mail_box box;
	struct mail_cfg cfg;
	struct compose c = {0};
	const char *to;
	char *subject = NULL, *body = NULL;
	size_t n;
	int err;

	if (!text)
		return EINVAL;
	n = strlen(text);
	if (n > ANSWER_MAX_BYTES)
		return EMSGSIZE;
	if (!text[strspn(text, " \t\r\n")] || !g_utf8_validate(text, (gssize)n, NULL))
		return EINVAL;
	err = mail_store_reply_src(db, case_id, &src);
	if (err)
		return err;
	to = contact_email_validate(src.reply_addr) == 0      ? src.reply_addr
	     : contact_email_validate(src.citizen_email) == 0 ? src.citizen_email
	                                                      : NULL;
	if (!to)
		return EDESTADDRREQ;
	err = src.mailbox_id ? mail_store_box(db, src.mailbox_id, &box) : ENOENT;
	if (err)
		return err == ENOENT ? ENXIO : err;
	mail_cfg_get(db, &cfg);
	subject = answer_subject(src.subject, case_id);
	body = with_signature(text, box.signature);
	if (!subject || !body) {
		err = ENOMEM;
		goto out;
	}
	compose_init(&c, &box, to, subject, body, "no", now);
	c.in_reply_to = src.message_id[0] ? src.message_id : NULL;
	c.references = src.references;
	err = queue(db, &box, case_id, user_id, "answer", &c, domain_of(db, &cfg, &box), outbox_id);
out:
	free(subject);
	free(body);
	return err;
}

int mail_compose_notice(struct db *db, const struct mail_box *box, int64_t case_id, const char *to,
                        const char *subject, const char *text, int64_t now)
{
	struct mail_cfg cfg;
	struct compose c = {0};
	char *body;
	int err;

	/* Never to an empty or broken address: the notice stays in-app only. */
	if (!to || contact_email_validate(to) != 0)
		return EDESTADDRREQ;
	mail_cfg_get(db, &cfg);
	body = with_signature(text, box->signature);
	if (!body)
		return ENOMEM;
	compose_init(&c, box, to, subject, body, "auto-generated", now);
	err = queue(db, box, case_id, 0, "notice", &c, domain_of(db, &cfg, box), NULL);
	free(body);
	return err;
}

/* ======================================================================
 * Messages with files (the monthly reports)
 * ====================================================================== */

static GMimeObject *file_part(const struct mail_file_part *f)
{
	const char *slash = strchr(f->content_type, '/');
	char type[64];
	GMimePart *part;
	GMimeStream *st;
	GMimeDataWrapper *w;

	snprintf(type, sizeof(type), "%.*s", slash ? (int)(slash - f->content_type) : 11,
	         slash ? f->content_type : "application");
	part = g_mime_part_new_with_type(type, slash ? slash + 1 : "octet-stream");
	st = g_mime_stream_mem_new_with_buffer(f->data, f->len);
	w = g_mime_data_wrapper_new_with_stream(st, GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(part, w);
	if (f->charset)
		g_mime_object_set_content_type_parameter((GMimeObject *)part, "charset",
		                                         f->charset);
	g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
	g_mime_object_set_disposition((GMimeObject *)part, GMIME_DISPOSITION_ATTACHMENT);
	g_mime_part_set_filename(part, f->filename);
	g_object_unref(w);
	g_object_unref(st);
	return (GMimeObject *)part;
}

static int build_mixed(const struct compose *c, const struct mail_file_part *files, size_t n,
                       char **raw, size_t *len)
{
	GMimeMessage *msg = message_new(c);
	GMimeMultipart *mixed = g_mime_multipart_new_with_subtype("mixed");
	GMimeTextPart *text = g_mime_text_part_new_with_subtype("plain");
	int err;

	g_mime_text_part_set_text(text, c->text);
	g_mime_text_part_set_charset(text, "utf-8");
	g_mime_part_set_content_encoding((GMimePart *)text, GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	g_mime_multipart_add(mixed, (GMimeObject *)text);
	g_object_unref(text);
	for (size_t i = 0; i < n; i++) {
		GMimeObject *p = file_part(&files[i]);
		g_mime_multipart_add(mixed, p);
		g_object_unref(p);
	}
	g_mime_message_set_mime_part(msg, (GMimeObject *)mixed);
	g_object_unref(mixed);
	err = message_raw(msg, raw, len);
	g_object_unref(msg);
	return err;
}

int mail_compose_report(struct db *db, const struct mail_box *box, const char *to,
                        const char *subject, const char *text, const struct mail_file_part *files,
                        size_t nfiles, int64_t now)
{
	struct mail_cfg cfg;
	struct compose c = {0};
	unsigned char rnd[8];
	char hex[sizeof(rnd) * 2 + 1], mid[512];
	char *body, *raw = NULL;
	size_t len = 0;
	int64_t ob = 0;
	int err;

	if (!to || contact_email_validate(to) != 0)
		return EDESTADDRREQ;
	mail_cfg_get(db, &cfg);
	body = with_signature(text, box->signature);
	if (!body)
		return ENOMEM;
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
	snprintf(mid, sizeof(mid), "lotsen.report.%s@%s", hex, domain_of(db, &cfg, box));
	compose_init(&c, box, to, subject, body, "auto-generated", now);
	c.message_id = mid;
	err = build_mixed(&c, files, nfiles, &raw, &len);
	if (!err)
		err = outbox_add(db, 0, "report", &c, raw, len, &ob);
	free(body);
	free(raw);
	return err;
}
