/* The mail intake over any bytes: GMime's parse, the HTML-to-text, threading against the
 * mails taken before (the harness keeps them), a case opened for each; never a crash. */
#include "fuzz_db.h"
#include "mail/mail.h"
#include "mail/mail_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int64_t box;
	struct db *db = fuzz_db(true);
	int64_t case_id, row;
	char *text;

	if (size > 1 << 20)
		return 0;
	if (!box) {
		mail_init();
		if (mail_migrate(db) ||
		    db_exec(db, "INSERT INTO mailboxes(address, group_id, receipt_reply) SELECT"
		                " 'kontaktcenter@lotsen.example', id, 1 FROM groups ORDER BY id "
		                "LIMIT 1"))
			abort();
		box = 1;
	}
	(void)mail_intake(db, box, (const char *)data, size, FUZZ_NOW, NULL, &case_id, &row);
	text = mail_html_to_text((const char *)data, size);
	free(text);
	return 0;
}
