/* Files attached to a case (a scanned letter, a photo with a fault report): stored beside the
 * database under <db>.files/cases/<case id>/ with generated names, described in the
 * `attachments` table. Whoever may read the case may read its files; writers may add. */
#ifndef LOTSEN_CORE_ATTACHMENTS_H
#define LOTSEN_CORE_ATTACHMENTS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/auth.h"
#include "base/valid.h"

struct db;

/* The largest attachment by default (the setting attachment-max-bytes). */
#define ATTACHMENT_MAX_DEFAULT (10u << 20)

/* Whether `ctype` (without parameters) is a type Lotsen keeps, and the content looks like
 * it (the first bytes of a PDF, JPEG, PNG, HEIC or DOCX; UTF-8 text): 0, or ENOTSUP. */
int attachment_type_check(const char *ctype, const void *data, size_t n);

/* An upload in three steps, so the file's write and fsync can run off the loop thread:
 * attachment_prepare checks access, name and type (on the loop, reads the database);
 * attachment_store writes the file (any thread, no database); attachment_record writes its
 * row, history and audit (on the loop; removes the file again if that fails). */
struct attachment_upload {
	int64_t case_id;
	char filename[256];     /* as the citizen's file was named */
	char content_type[128]; /* the type's lower-case base */
	char stored[40];        /* the generated file name (hex) */
	char dir[1024];         /* <files_dir>/cases/<case_id> */
	const void *data;       /* the content (borrowed until attachment_store returns) */
	size_t n;               /* its size in bytes */
};
int attachment_prepare(struct db *db, const struct principal *who, const char *files_dir,
                       int64_t case_id, const char *filename, const char *ctype, const void *data,
                       size_t n, struct attachment_upload *up, struct verrors *v);
int attachment_store(struct attachment_upload *up);
int attachment_record(struct db *db, const struct principal *who,
                      const struct attachment_upload *up, int64_t now, json_t **out);
/* All three at once. Store a file for the case: EBADMSG (field errors: filename), ENOTSUP (type),
 * ENOENT (case), EPERM (may not change the case). The file is on disk (fsynced) before its row is
 * written; *out is the attachment as listed. */
int attachment_add(struct db *db, const struct principal *who, const char *files_dir,
                   int64_t case_id, const char *filename, const char *ctype, const void *data,
                   size_t n, int64_t now, json_t **out, struct verrors *v);
/* The case's attachments (id, filename, content_type, size, created_at, created_by). */
int attachment_list(struct db *db, const struct principal *who, int64_t case_id, json_t **items);
/* Open an attachment to send it: *fd (owned by the caller), its size, name and type. The read
 * is audited. ENOENT (no such attachment or file), EPERM. */
struct attachment_file {
	int fd;
	size_t size;
	char filename[256];
	char content_type[128];
};
int attachment_open(struct db *db, const struct principal *who, const char *files_dir, int64_t id,
                    int64_t now, struct attachment_file *f);
/* Remove an attachment (writers of the case): its row, then its file. */
int attachment_delete(struct db *db, const struct principal *who, const char *files_dir, int64_t id,
                      int64_t now);
/* Remove every attachment of a case (when the case itself is removed, e.g. by retention):
 * rows and files. */
int attachments_remove_case(struct db *db, const char *files_dir, int64_t case_id);
/* The case's attachments as case_get shows them (no access check: the caller did it). */
json_t *attachments_of(struct db *db, int64_t case_id);

#endif
