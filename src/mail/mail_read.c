/* Mail as the API shows it: the case access rule on every read, each read audited. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/auth.h"
#include "mail/mail_int.h"
#include "store/db.h"

/* Mail rides on its case: who may read (write) the case may read (answer) its mail. A
 * message without a case is seen by managers and admins only. */
static int access_case(struct db *db, const struct principal *who, int64_t case_id, bool write,
                       int64_t now)
{
	struct case_access a;
	int err;

	if (!case_id)
		return who->role == ROLE_ADMIN || who->role == ROLE_MANAGER ? 0 : ENOENT;
	err = auth_case_load(db, who, case_id, &a);
	if (err)
		return err;
	if (write ? auth_can_write_case(who, &a) : auth_can_read_case(who, &a))
		return 0;
	audit_record(db, now, who->id, "read_denied", "case", case_id, "mail");
	return EPERM;
}

int mail_case_list(struct db *db, const struct principal *who, int64_t case_id, int64_t now,
                   json_t **items)
{
	int err = access_case(db, who, case_id, false, now);

	*items = NULL;
	if (!err)
		err = mail_store_case_mails(db, case_id, items);
	if (!err)
		err = audit_record(db, now, who->id, "read", "case_mails", case_id, NULL);
	if (err) {
		json_decref(*items);
		*items = NULL;
	}
	return err;
}

int mail_get(struct db *db, const struct principal *who, int64_t row, int64_t now, json_t **out)
{
	int64_t case_id = 0;
	int err = mail_store_mail(db, row, out, &case_id);

	if (!err)
		err = access_case(db, who, case_id, false, now);
	if (!err)
		err = audit_record(db, now, who->id, "read", "mail", row, NULL);
	if (err) {
		json_decref(*out);
		*out = NULL;
	}
	return err;
}

int mail_raw_get(struct db *db, const struct principal *who, int64_t row, int64_t now, char **data,
                 size_t *n)
{
	struct mail_cfg cfg;
	char path[256];
	int64_t case_id = 0;
	int err = mail_store_raw_ref(db, row, &case_id, path, sizeof(path), data, n);

	if (!err)
		err = access_case(db, who, case_id, false, now);
	if (!err && !*data) {
		mail_cfg_get(db, &cfg);
		err = path[0] ? mail_file_read(cfg.files, path, data, n) : ENODATA;
		if (err == ENOENT)
			err = ENODATA; /* the row is there, its file is not */
	}
	if (!err)
		err = audit_record(db, now, who->id, "read", "mail_raw", row, NULL);
	if (err) {
		free(*data);
		*data = NULL;
	}
	return err;
}

int mail_attachment_get(struct db *db, const struct principal *who, int64_t id, int64_t now,
                        char **data, size_t *n, char filename[256], char ctype[128])
{
	struct mail_cfg cfg;
	char path[256];
	int64_t case_id = 0;
	int err = mail_store_attachment_ref(db, id, &case_id, path, sizeof(path), filename, 256,
	                                    ctype, 128);

	*data = NULL;
	*n = 0;
	if (!err)
		err = access_case(db, who, case_id, false, now);
	if (!err) {
		mail_cfg_get(db, &cfg);
		err = path[0] ? mail_file_read(cfg.files, path, data, n) : ENODATA;
		if (err == ENOENT)
			err = ENODATA;
	}
	if (!err)
		err = audit_record(db, now, who->id, "read", "mail_attachment", id, NULL);
	if (err) {
		free(*data);
		*data = NULL;
	}
	return err;
}

int mail_answer(struct db *db, const struct principal *who, int64_t case_id, const char *text,
                int64_t now, json_t **outbox_row)
{
	int64_t ob = 0;
	int err = access_case(db, who, case_id, true, now);

	*outbox_row = NULL;
	if (!err)
		err = mail_compose_answer(db, case_id, who->id, text, now, &ob);
	if (!err)
		err = mail_store_outbox_json(db, ob, outbox_row);
	return err;
}
