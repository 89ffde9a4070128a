/* The mail intake over any bytes: GMime's parse, the HTML-to-text, threading against the
 * mails taken before (the harness keeps them), a case opened for each; never a crash. */
#include "fuzz_db.h"
#include "mail/mail.h"
#include "mail/mail_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static int64_t box;

/* The demo database and the mailbox the mails arrive in, once. */
static void setup(void)
{
	struct db *db = fuzz_db(true);

	mail_init();
	if (mail_migrate(db) ||
	    db_exec(db, "INSERT INTO mailboxes(address, group_id, receipt_reply) SELECT"
	                " 'kontaktcenter@lotsen.example', id, 1 FROM groups ORDER BY id "
	                "LIMIT 1"))
		abort();
	box = 1;
}

/* libFuzzer calls this before its -timeout clock runs: opening the demo database takes
 * seconds of wall time at nice 19 on a busy machine, which is no hang of the intake. The
 * seed replay (tests/unit/fuzz_replay.c) does not call it; the first input sets up. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setup();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct db *db = fuzz_db(true);
	int64_t case_id, row;
	char *text;

	if (size > 1 << 20)
		return 0;
	if (!box)
		setup();
	(void)mail_intake(db, box, (const char *)data, size, FUZZ_NOW, NULL, &case_id, &row);
	text = mail_html_to_text((const char *)data, size);
	free(text);
	return 0;
}
