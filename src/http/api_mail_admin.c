/* /api/v1/mailboxes: the response groups' mailboxes and their IMAP accounts (admins
 * only; the password is write-only), and /api/v1/mail/outbox: what waits to be sent. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "core/audit.h"
#include "base/contact.h"
#include "core/resource.h"
#include "http/http_int.h"
#include "mail/mail_net.h"
#include "store/db.h"
#include "store/records.h"

/* ----------------------------------------------------------------------
 * The mailbox as a described record
 * ---------------------------------------------------------------------- */

static int check_address(const json_t *v, json_t **norm, char *msg, size_t n, bool en)
{
	char low[256];
	const char *s = json_string_value(v);
	size_t i;

	if (contact_email_validate(s) != 0) {
		snprintf(msg, n,
		         en ? "\"%s\" is not an e-mail address (kontaktcenter@kommun.se)"
		            : "\"%s\" är ingen e-postadress (kontaktcenter@kommun.se)",
		         s);
		return EBADMSG;
	}
	for (i = 0; s[i] && i < sizeof(low) - 1; i++)
		low[i] = (char)tolower((unsigned char)s[i]);
	low[i] = '\0';
	*norm = json_string(low);
	return 0;
}

/* A host name or an IPv4/IPv6 address: letters, digits, '.', '-', ':' (no spaces, no
 * scheme, no port). */
static int check_host(const json_t *v, json_t **norm, char *msg, size_t n, bool en)
{
	const char *s = json_string_value(v);

	(void)norm;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-' && *p != ':') {
			snprintf(msg, n,
			         en ? "\"%s\" is not a host name or address (imap.kommun.se, "
			              "192.0.2.10); give the port in imap_port"
			            : "\"%s\" är inget värdnamn eller adress (imap.kommun.se, "
			              "192.0.2.10); ange porten i imap_port",
			         s);
			return EBADMSG;
		}
	return 0;
}

/* An IMAP folder name: printable, no control characters, no '"' or '\'. */
static int check_folder(const json_t *v, json_t **norm, char *msg, size_t n, bool en)
{
	const unsigned char *s = (const unsigned char *)json_string_value(v);

	(void)norm;
	if (!*s) {
		snprintf(msg, n, "%s", en ? "may not be empty" : "får inte vara tom");
		return EBADMSG;
	}
	for (; *s; s++)
		if (*s < 0x20 || *s == 0x7f || *s == '"' || *s == '\\') {
			snprintf(msg, n, "%s",
			         en ? "holds a control character, '\"' or '\\'"
			            : "innehåller ett styrtecken, '\"' eller '\\'");
			return EBADMSG;
		}
	return 0;
}

/* The fetchers start over with the mailboxes as stored: here, or on the node that runs
 * the jobs (several nodes). */
static void mailboxes_changed(struct req *r)
{
	if (r->app->mail)
		mail_net_reload(r->app->mail);
	else if (r->app->mailboxes_reload)
		r->app->mailboxes_reload(r->app->mailboxes_reload_arg);
}

static const struct resource mailbox_resource;

static const char *const securities[] = {"tls", "starttls", "none", NULL};

static const struct field mailbox_fields[] = {
        {"address", FT_TEXT, FF_REQUIRED, NULL, NULL, 0, 254, check_address},
        {"group_id", FT_REF, FF_REQUIRED, "groups", NULL, 0, 0, NULL},
        {"imap_host", FT_TEXT, 0, NULL, NULL, 0, 253, check_host},
        {"imap_port", FT_INT, 0, NULL, NULL, 1, 65535, NULL},
        {"imap_security", FT_ENUM, FF_NOTNULL, NULL, securities, 0, 0, NULL},
        {"imap_user", FT_TEXT, 0, NULL, NULL, 0, 254, NULL},
        {"imap_password", FT_TEXT, FF_WRITEONLY, NULL, NULL, 0, 255, NULL},
        {"folder", FT_TEXT, FF_NOTNULL, NULL, NULL, 0, 200, check_folder},
        {"processed_folder", FT_TEXT, 0, NULL, NULL, 0, 200, check_folder},
        {"signature", FT_TEXT, 0, NULL, NULL, 0, 2000, NULL},
        {"receipt_reply", FT_BOOL, FF_NOTNULL, NULL, NULL, 0, 0, NULL},
        {"tls_verify", FT_BOOL, FF_NOTNULL, NULL, NULL, 0, 0, NULL},
        {"active", FT_BOOL, FF_NOTNULL, NULL, NULL, 0, 0, NULL},
        {"created_at", FT_INT, FF_READONLY, NULL, NULL, 0, 0, NULL},
};

/* Cross-field rules: a unique address, and the processed folder is not the folder
 * itself (taken mail would be taken again). */
static void mailbox_validate(struct db *db, const json_t *in, int64_t id, struct verrors *v)
{
	const char *addr = json_string_value(json_object_get(in, "address"));
	const char *folder = json_string_value(json_object_get(in, "folder"));
	const char *processed = json_string_value(json_object_get(in, "processed_folder"));
	json_t *cur = NULL;

	if (id && (!folder || !processed) && resource_get(db, &mailbox_resource, id, &cur) == 0) {
		if (!folder && !json_object_get(in, "folder"))
			folder = json_string_value(json_object_get(cur, "folder"));
		if (!processed && !json_object_get(in, "processed_folder"))
			processed = json_string_value(json_object_get(cur, "processed_folder"));
	}
	if (processed && strcmp(processed, folder ? folder : "INBOX") == 0)
		valid_add(v, "processed_folder", "%s",
		          VL(v, "får inte vara samma mapp som folder",
		             "may not be the same folder as folder"));
	json_decref(cur);
	if (addr) {
		const char *cols[] = {"id"};
		json_t *where = json_object(), *rows = NULL;
		char low[256];
		size_t i;
		int64_t total = 0;

		for (i = 0; addr[i] && i < sizeof(low) - 1; i++)
			low[i] = (char)tolower((unsigned char)addr[i]);
		low[i] = '\0';
		json_object_set_new(where, "address", json_string(low));
		if (records_list(db, "mailboxes", cols, 1, where, NULL, "id", 1, 0, &rows,
		                 &total) == 0 &&
		    json_array_size(rows) > 0 &&
		    json_integer_value(json_object_get(json_array_get(rows, 0), "id")) != id) {
			valid_add(v, "address",
			          VL(v, "det finns redan en brevlåda med adressen %s",
			             "there is already a mailbox with the address %s"),
			          low);
			v->status = 409;
		}
		json_decref(rows);
		json_decref(where);
	}
}

static int mailbox_read_virtual(struct db *db, int64_t id, json_t *out)
{
	bool set = false;

	mail_store_box_password_set(db, id, &set);
	json_object_set_new(out, "imap_password_set", json_boolean(set));
	return 0;
}

static const struct resource mailbox_resource = {
        .name = "mailboxes",
        .table = "mailboxes",
        .what_sv = "brevlåda",
        .what_en = "mailbox",
        .fields = mailbox_fields,
        .nfields = sizeof(mailbox_fields) / sizeof(mailbox_fields[0]),
        .read_roles = ROLE_ADMIN,
        .write_roles = ROLE_ADMIN,
        .personal = false,
        .order_by = "id",
        .validate = mailbox_validate,
        .read_virtual = mailbox_read_virtual,
};

/* ----------------------------------------------------------------------
 * Handlers
 * ---------------------------------------------------------------------- */

/* The fetcher's state beside the settings. */
static void add_status(struct req *r, json_t *row)
{
	struct mail_net_status st;
	int64_t id = json_integer_value(json_object_get(row, "id"));
	json_t *o = json_object();

	if (mail_net_status(r->app->mail, id, &st) == 0) {
		json_object_set_new(o, "running", json_true());
		json_object_set_new(o, "connected", json_boolean(st.connected));
		json_object_set_new(o, "idle", json_boolean(st.idle));
		json_object_set_new(o, "fetched", json_integer(st.fetched));
		json_object_set_new(o, "last_error",
		                    st.last_error[0] ? json_string(st.last_error) : json_null());
	} else {
		json_object_set_new(o, "running", json_false());
	}
	json_object_set_new(row, "fetch", o);
}

static int not_found(struct req *r, int64_t id)
{
	return resp_error(
	        r, 404, "not-found", L(r, "Finns inte", "Not found"),
	        L(r, "Det finns ingen brevlåda med id %lld.", "There is no mailbox with id %lld."),
	        (long long)id);
}

static int mailboxes_list(struct req *r)
{
	json_t *rows = NULL, *row;
	struct page pg;
	size_t i;
	int err;

	if (req_query_page(r, 100, 1000, &pg))
		return 0;
	err = resource_list(r->app->db, &mailbox_resource, NULL, NULL, pg.limit, pg.offset, &rows,
	                    &pg.total);
	if (err)
		return resp_store_error(r, err, "mailboxes");
	json_array_foreach(rows, i, row)
	{
		add_status(r, row);
	}
	return resp_list(r, rows, &pg);
}

static int mailboxes_get(struct req *r)
{
	json_t *row;
	int err = resource_get(r->app->db, &mailbox_resource, r->params[0], &row);

	if (err == ENOENT)
		return not_found(r, r->params[0]);
	if (err)
		return resp_store_error(r, err, "mailboxes");
	add_status(r, row);
	return resp_json(r, 200, row);
}

static int mailboxes_write(struct req *r, bool create)
{
	struct verrors v;
	json_t *in, *row;
	int64_t id = create ? 0 : r->params[0];
	int err;

	if (req_json_object(r, &in))
		return 0;
	valid_init(&v, r->lang[0] == 'e');
	err = create ? resource_create(r->app->db, &mailbox_resource, in, &id, &v)
	             : resource_update(r->app->db, &mailbox_resource, id, in, &v);
	json_decref(in);
	if (valid_has_errors(&v)) {
		if (err == EEXIST)
			v.status = 409;
		return resp_field_errors(r, &v);
	}
	valid_free(&v);
	if (err == ENOENT)
		return not_found(r, id);
	if (err)
		return resp_store_error(r, err, "mailboxes");
	/* The audit says what changed, never the password. */
	audit_record(r->app->db, r->now, r->who.id, create ? "create" : "update", "mailboxes", id,
	             NULL);
	mailboxes_changed(r);
	if (resource_get(r->app->db, &mailbox_resource, id, &row))
		return resp_store_error(r, EIO, "mailboxes");
	add_status(r, row);
	return resp_json(r, create ? 201 : 200, row);
}

static int mailboxes_create(struct req *r)
{
	return mailboxes_write(r, true);
}

static int mailboxes_update(struct req *r)
{
	return mailboxes_write(r, false);
}

static int mailboxes_delete(struct req *r)
{
	int err = mail_store_box_delete(r->app->db, r->params[0]);

	if (err == ENOENT)
		return not_found(r, r->params[0]);
	if (err == EBUSY)
		return resp_error(r, 409, "conflict", L(r, "Används", "In use"), "%s",
		                  L(r,
		                    "Brevlådan har tagit emot meddelanden som finns kvar på "
		                    "ärenden; stäng av den med active: false i stället.",
		                    "Messages taken from the mailbox are kept on cases; turn it "
		                    "off with active: false instead."));
	if (err)
		return resp_store_error(r, err, "mailboxes");
	audit_record(r->app->db, r->now, r->who.id, "delete", "mailboxes", r->params[0], NULL);
	mailboxes_changed(r);
	return resp_empty(r, 204);
}

/* GET /api/v1/mail/outbox?status=queued|sending|sent|failed */
static int outbox_list(struct req *r)
{
	static const char *const statuses[] = {"queued", "sending", "sent", "failed", NULL};
	const char *status = req_query(r, "status");
	json_t *rows = NULL;
	struct page pg;
	int err;

	if (status) {
		bool ok = false;
		for (const char *const *s = statuses; *s; s++)
			ok |= strcmp(*s, status) == 0;
		if (!ok)
			return req_query_bad(r, "status", "%s",
			                     L(r, "måste vara en av: queued, sending, sent, failed",
			                       "must be one of: queued, sending, sent, failed"));
	}
	if (req_query_page(r, 100, 1000, &pg))
		return 0;
	err = mail_store_outbox_list(r->app->db, status, pg.limit, pg.offset, &rows, &pg.total);
	if (err)
		return resp_store_error(r, err, "mail_outbox");
	return resp_list(r, rows, &pg);
}

const struct route api_mail_admin_routes[] = {
        {"GET", "/api/v1/mailboxes", ROLE_ADMIN, mailboxes_list},
        {"POST", "/api/v1/mailboxes", ROLE_ADMIN, mailboxes_create},
        {"GET", "/api/v1/mailboxes/{id}", ROLE_ADMIN, mailboxes_get},
        {"PATCH", "/api/v1/mailboxes/{id}", ROLE_ADMIN, mailboxes_update},
        {"DELETE", "/api/v1/mailboxes/{id}", ROLE_ADMIN, mailboxes_delete},
        {"GET", "/api/v1/mail/outbox", ROLES_LEADS, outbox_list},
        {NULL, NULL, 0, NULL},
};
