/* Who hears of each incoming message mail_intake stores (the queue host, under `serve`). */
#include <stddef.h>

#include "mail/mail.h"

/* Set once at start, before the loop runs, and read on the loop only. */
static mail_stored_h *stored_h;
static void *stored_arg;

void mail_set_stored_observer(mail_stored_h *h, void *arg)
{
	stored_h = h;
	stored_arg = arg;
}

void mail_stored_notify(int64_t case_id, int64_t message_row)
{
	if (stored_h)
		stored_h(case_id, message_row, stored_arg);
}
