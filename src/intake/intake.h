/* Intake: a contact that arrives without an agent (Tyck till on the web now, e-mail next)
 * becomes a case in the log. The channel only parses what came in and hands it over here. */
#ifndef LOTSEN_INTAKE_INTAKE_H
#define LOTSEN_INTAKE_INTAKE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "base/valid.h"

struct db;

/* The longest message (characters), as a case's summary. */
#define INTAKE_MESSAGE_MAX 4000
/* The longest name (characters). */
#define INTAKE_NAME_MAX 120

/* One contact as it came in. Every text is borrowed and only read during intake_create;
 * NULL (or "") means "not given". */
struct intake {
	const char *channel; /* the case's channel: "web" (Tyck till); "email" next */
	const char *kind;    /* complaint, praise, idea, opinion or fault_report */
	int64_t client_id;   /* the department addressed; 0: not given */
	int64_t group_id;    /* the response group that takes it; 0: the catch-all group */
	const char *message; /* what the citizen wrote: the case's summary */
	const char *name;    /* the citizen, as they gave it */
	const char *email;   /* an address to answer to */
	const char *phone;   /* a number to call back */
	/* A fault report's place (only with kind fault_report): an address, and optionally
	 * WGS 84 coordinates (has_coords; case_create checks their ranges). */
	const char *address;
	bool has_coords;
	double latitude, longitude;
};

/* The kinds a contact can be (the form's choices), NULL-terminated. */
extern const char *const intake_kinds[];

/* The catch-all group takes what arrives without a group: the lowest-id active group
 * ("Stockholm direkt" in the demo, which every agreement covers for overflow). 0 if there
 * is none. */
int64_t intake_catch_all_group(struct db *db);

/* The departments a citizen can address through `group` on `today` ("YYYY-MM-DD",
 * Stockholm): active clients whose agreement covers the group that day (case_create
 * requires exactly that), by name, appended to `out` as {"id","name"}. */
int intake_clients(struct db *db, int64_t group, const char *today, json_t *out);

/* The category a contact of this kind is logged under: the first active one of the kind
 * for the group and client, preferring one that no handover rule of the client binds (a
 * fault report's categories are usually handed over: the agent who handles the case does
 * that, the intake leaves the outcome unset). 0 if there is none. */
int64_t intake_category(struct db *db, const char *kind, int64_t group, int64_t client);

/* Check `in` and log it as an open case with no outcome: work for an agent, counted in
 * reports and invoices only once an agent has handled it (set its outcome); its kind is
 * the category's kind, a fault report's place is kept on the case. With an
 * audit row ("public_feedback" for the web, "intake" for other channels). `now` is epoch
 * seconds. Field errors go to `fe` (initialized by the caller, who may already have put
 * its own parsing errors there: nothing is created while it holds any), named as the
 * intake's fields: kind, client_id, message, name, email, phone, address, latitude,
 * longitude. On 0 *case_id is the new
 * case. Errors: EBADMSG (see fe, fe->status is the HTTP status to answer with); ENOENT:
 * no response group takes contacts (none active, or its departments cannot be read);
 * ENOTSUP: no active category of this kind takes it; else a storage error. */
int intake_create(struct db *db, const struct intake *in, int64_t now, struct verrors *fe,
                  int64_t *case_id);

#endif
