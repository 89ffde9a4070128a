/* Appends to the audit log; callers write it inside the same transaction as the change. */
#include "core/audit.h"
#include <errno.h>

#include "store/db.h"

int audit_record(struct db *db, int64_t at, int64_t user_id, const char *action, const char *entity,
                 int64_t entity_id, const char *detail)
{
	struct stmt *s;
	int err = db_prepare(db, &s,
	                     "INSERT INTO audit_log(at, user_id, action, entity, entity_id, detail)"
	                     " VALUES (?,?,?,?,?,?)",
	                     true);

	if (err)
		return err;
	stmt_bind_int(s, 1, at);
	stmt_bind_id(s, 2, user_id);
	stmt_bind_text(s, 3, action);
	stmt_bind_text(s, 4, entity);
	stmt_bind_id(s, 5, entity_id);
	stmt_bind_text(s, 6, detail);
	err = stmt_step(s) == DB_DONE ? 0 : EIO;
	stmt_done(s);
	return err;
}
