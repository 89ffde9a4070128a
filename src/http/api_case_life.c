/* The case's life after the first contact: status, what has waited longest, the
 * department's questions and take-overs, attachments; and If-Match against the case's
 * version (ETag). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/attachments.h"
#include "core/cases.h"
#include "http/http_int.h"

/* ======================================================================
 * ETag and If-Match
 * ====================================================================== */

void req_etag_format(int64_t version, char out[32])
{
	snprintf(out, 32, "\"%lld\"", (long long)version);
}

bool req_if_match_ok(const char *h, const char *tag)
{
	/* A list of entity tags ("3", "4") or *; strong comparison (RFC 9110 §13.1.1): a weak
	 * tag W/"3" never matches. */
	for (const char *p = h; *p;) {
		size_t n;
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		n = strcspn(p, ", \t");
		if (n == 1 && p[0] == '*')
			return true;
		if (n == strlen(tag) && strncmp(p, tag, n) == 0)
			return true;
		p += n;
	}
	return false;
}

int req_if_match_case(struct req *r, int64_t case_id)
{
	const char *h = req_header(r, "If-Match");
	char tag[32];
	int64_t version = 0;

	if (!h)
		return 0;
	/* An unknown case: the handler answers 404 as without the header. */
	if (case_version(r->app->db, case_id, &version) != 0)
		return 0;
	req_etag_format(version, tag);
	if (req_if_match_ok(h, tag))
		return 0;
	resp_error(r, 412, "precondition-failed",
	           L(r, "Ärendet har ändrats", "The case has changed"),
	           L(r,
	             "Någon annan har ändrat ärende %lld sedan du hämtade det (version nu %lld). "
	             "Hämta det igen och gör om din ändring.",
	             "Someone else changed case %lld since you fetched it (version now %lld). "
	             "Fetch it again and redo your change."),
	           (long long)case_id, (long long)version);
	resp_header(r, "ETag", tag);
	return EAGAIN;
}

static int not_found(struct req *r, const char *sv, const char *en, int64_t id)
{
	return resp_error(r, 404, "not-found", L(r, "Finns inte", "Not found"),
	                  L(r, "Det finns inget %s med id %lld.", "There is no %s with id %lld."),
	                  L(r, sv, en), (long long)id);
}

static int forbidden_case(struct req *r)
{
	return resp_error(r, 403, "forbidden", L(r, "Ej behörig", "Forbidden"), "%s",
	                  L(r,
	                    "Ärendet är sekretessmarkerat, hör till en annan förvaltning eller "
	                    "får inte ändras av din roll.",
	                    "The case is confidential, belongs to another department or may not "
	                    "be changed by your role."));
}

/* ======================================================================
 * Status
 * ====================================================================== */

static int status_conflict(struct req *r, int err)
{
	if (err == EALREADY)
		return resp_error(r, 409, "status-unchanged",
		                  L(r, "Status är redan satt", "Status already set"), "%s",
		                  L(r, "Ärendet har redan den statusen.",
		                    "The case already has that status."));
	return resp_error(r, 409, "case-closed", L(r, "Ärendet är avslutat", "The case is closed"),
	                  "%s",
	                  L(r, "Ett avslutat ärende kan bara öppnas igen (status open).",
	                    "A closed case can only be reopened (status open)."));
}

static int case_status(struct req *r)
{
	struct verrors v;
	json_t *in;
	int err;

	if (req_json_object(r, &in))
		return 0;
	if (req_if_match_case(r, r->params[0])) {
		json_decref(in);
		return 0;
	}
	valid_init(&v, r->lang[0] == 'e');
	err = case_set_status(r->app->db, &r->who, r->params[0], in, r->now, &v);
	json_decref(in);
	if (err == ENOENT)
		return not_found(r, "ärende", "case", r->params[0]);
	if (err == EPERM)
		return forbidden_case(r);
	if (valid_has_errors(&v))
		return resp_field_errors(r, &v);
	if (err == EALREADY || err == ENOTSUP)
		return status_conflict(r, err);
	if (err)
		return resp_store_error(r, err, "case");
	return api_case_response(r, r->params[0], 200);
}

static int cases_waiting(struct req *r)
{
	json_t *items;
	int64_t limit = 20;
	int err;

	if (req_query_max(r, "limit", 200, &limit))
		return 0;
	if (!req_query(r, "limit"))
		limit = 20;
	err = case_waiting_list(r->app->db, &r->who, r->now, limit, &items);
	if (err)
		return resp_store_error(r, err, "case");
	return resp_json(r, 200, json_pack("{s:o}", "items", items));
}

/* ======================================================================
 * The department's acts on a handover
 * ====================================================================== */

typedef int handover_act_f(struct db *db, const struct principal *who, int64_t id, const json_t *in,
                           int64_t now, struct verrors *v);

static int handover_act(struct req *r, handover_act_f *act)
{
	struct verrors v;
	json_t *in;
	int64_t case_id = 0;
	int err;

	if (req_json_object(r, &in))
		return 0;
	if (handover_case(r->app->db, r->params[0], &case_id) == 0 &&
	    req_if_match_case(r, case_id)) {
		json_decref(in);
		return 0;
	}
	valid_init(&v, r->lang[0] == 'e');
	err = act(r->app->db, &r->who, r->params[0], in, r->now, &v);
	json_decref(in);
	if (err == ENOENT)
		return not_found(r, "överlämnande", "handover", r->params[0]);
	if (err == EPERM)
		return resp_error(r, 403, "forbidden", L(r, "Ej behörig", "Forbidden"), "%s",
		                  L(r,
		                    "Överlämnandet gäller en annan förvaltning eller ett "
		                    "sekretessmarkerat ärende i en annan grupp.",
		                    "The handover belongs to another department or to a "
		                    "confidential case of another group."));
	if (valid_has_errors(&v))
		return resp_field_errors(r, &v);
	if (err == EEXIST)
		return resp_error(
		        r, 409, "handover-not-waiting",
		        L(r, "Överlämnandet väntar inte på det", "Handover not waiting for this"),
		        "%s",
		        L(r,
		          "Överlämnandet är redan besvarat, övertaget eller avslutat, "
		          "ärendet är avslutat, eller det finns ingen öppen fråga.",
		          "The handover is already answered, taken over or closed, the "
		          "case is closed, or there is no open question."));
	if (err)
		return resp_store_error(r, err, "handover");
	return api_case_response(r, case_id, 200);
}

int api_handover_answer(struct req *r)
{
	return handover_act(r, handover_answer);
}

static int handovers_question(struct req *r)
{
	return handover_act(r, handover_question);
}

static int handovers_reply(struct req *r)
{
	return handover_act(r, handover_reply);
}

static int handovers_takeover(struct req *r)
{
	return handover_act(r, handover_takeover);
}

/* ======================================================================
 * Attachments
 * ====================================================================== */

static const char accepted_types[] =
        "application/pdf, image/jpeg, image/png, image/heic, image/heif, text/plain (UTF-8), "
        "DOCX, XLSX";

static int attachment_error(struct req *r, int err, int64_t id, bool is_case)
{
	if (err == ENOENT)
		return is_case ? not_found(r, "ärende", "case", id)
		               : not_found(r, "bilaga", "attachment", id);
	if (err == EPERM)
		return forbidden_case(r);
	if (err == ENOTSUP)
		return resp_error(r, 415, "unsupported-media-type",
		                  L(r, "Filtypen tas inte emot", "File type not accepted"),
		                  L(r,
		                    "Innehållet är inte av en tillåten typ eller stämmer inte med "
		                    "Content-Type. Tillåtna: %s.",
		                    "The content is not of an accepted type or does not match "
		                    "Content-Type. Accepted: %s."),
		                  accepted_types);
	if (err == EROFS)
		return resp_error(r, 503, "storage", L(r, "Bilagor saknas", "No attachments"), "%s",
		                  L(r, "Servern har ingen katalog för bilagor (databas i minnet).",
		                    "The server has no directory for attachments (in-memory "
		                    "database)."));
	return resp_store_error(r, err, "attachment");
}

struct upload_job {
	struct attachment_upload up;
	struct principal who;
	int64_t now;
	char *body; /* the request's body, taken over (owned) */
	int err;    /* attachment_store's result */
};

static void upload_work_h(void *arg)
{
	struct upload_job *j = arg;

	j->err = attachment_store(&j->up);
}

static void upload_answer_h(struct req *r, void *arg)
{
	struct upload_job *j = arg;
	json_t *o = NULL;
	int err = j->err;

	if (!err)
		err = attachment_record(r->app->db, &j->who, &j->up, j->now, &o);
	if (err)
		attachment_error(r, err, j->up.case_id, true);
	else
		resp_json(r, 201, o);
	free(j->body);
	free(j);
}

static int attachments_add(struct req *r)
{
	struct verrors v;
	struct upload_job *j;
	int err;

	if (req_if_match_case(r, r->params[0]))
		return 0;
	j = calloc(1, sizeof(*j));
	if (!j)
		return resp_store_error(r, ENOMEM, "attachment");
	valid_init(&v, r->lang[0] == 'e');
	if (r->body_len == 0)
		valid_add(&v, "body", "%s",
		          VL(&v, "är tomt: skicka filens innehåll som begärans innehåll",
		             "is empty: send the file's content as the request body"));
	err = valid_has_errors(&v)
	              ? EBADMSG
	              : attachment_prepare(r->app->db, &r->who, r->app->files_dir, r->params[0],
	                                   req_query(r, "filename"), req_header(r, "Content-Type"),
	                                   r->body, r->body_len, &j->up, &v);
	if (err) {
		free(j);
		if (err == ENOENT || err == EPERM)
			return attachment_error(r, err, r->params[0], true);
		if (valid_has_errors(&v))
			return resp_field_errors(r, &v);
		return attachment_error(r, err, r->params[0], true);
	}
	j->who = r->who;
	j->now = r->now;
	j->body = r->body; /* the job's now: the worker writes from it */
	r->body = NULL;
	err = req_defer(r, upload_work_h, upload_answer_h, j);
	if (err == EINVAL) { /* no workers (a test harness): here and now */
		upload_work_h(j);
		upload_answer_h(r, j);
		return 0;
	}
	if (err) {
		free(j->body);
		free(j);
		return err == EBUSY ? req_read_busy(r) : resp_store_error(r, err, "attachment");
	}
	return 0;
}

static int attachments_list(struct req *r)
{
	json_t *items;
	int err = attachment_list(r->app->db, &r->who, r->params[0], &items);

	if (err)
		return attachment_error(r, err, r->params[0], true);
	return resp_json(r, 200, json_pack("{s:o}", "items", items));
}

/* Content-Disposition with the name as ASCII (others as _) and as RFC 5987 UTF-8. */
static void disposition(const char *name, char *out, size_t cap)
{
	char ascii[256], enc[800];
	size_t a = 0, e = 0;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if (a < sizeof(ascii) - 1)
			ascii[a++] = (*p < 0x80 && *p != '"' && *p != '\\' && *p >= 0x20) ? (char)*p
			                                                                  : '_';
		if (e + 4 >= sizeof(enc))
			continue;
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p))
			enc[e++] = (char)*p;
		else
			e += (size_t)snprintf(enc + e, sizeof(enc) - e, "%%%02X", *p);
	}
	ascii[a] = '\0';
	enc[e] = '\0';
	snprintf(out, cap, "attachment; filename=\"%s\"; filename*=UTF-8''%s", ascii, enc);
}

static int attachment_get(struct req *r)
{
	struct attachment_file f;
	char ctype[160], disp[1200];
	int err = attachment_open(r->app->db, &r->who, r->app->files_dir, r->params[0], r->now, &f);

	if (err)
		return attachment_error(r, err, r->params[0], false);
	snprintf(ctype, sizeof(ctype), "%s%s", f.content_type,
	         strcmp(f.content_type, "text/plain") == 0 ? "; charset=utf-8" : "");
	err = resp_fd(r, 200, ctype, f.fd, f.size);
	if (err)
		return resp_store_error(r, err, "attachment");
	disposition(f.filename, disp, sizeof(disp));
	resp_header(r, "Content-Disposition", disp);
	/* Never run as a page, even if a browser were to render it. */
	resp_header(r, "Content-Security-Policy", "sandbox; default-src 'none'");
	return 0;
}

static int attachment_del(struct req *r)
{
	int err = attachment_delete(r->app->db, &r->who, r->app->files_dir, r->params[0], r->now);

	if (err)
		return attachment_error(r, err, r->params[0], false);
	return resp_empty(r, 204);
}

const struct route api_case_life_routes[] = {
        {"POST", "/api/v1/cases/{id}/status", ROLES_STAFF, case_status},
        {"GET", "/api/v1/cases/waiting", ROLES_LEADS, cases_waiting},
        {"POST", "/api/v1/handovers/{id}/question", ROLES_ANY, handovers_question},
        {"POST", "/api/v1/handovers/{id}/reply", ROLES_STAFF, handovers_reply},
        {"POST", "/api/v1/handovers/{id}/takeover", ROLES_ANY, handovers_takeover},
        {"POST", "/api/v1/cases/{id}/attachments", ROLES_STAFF, attachments_add},
        {"GET", "/api/v1/cases/{id}/attachments", ROLES_ANY, attachments_list},
        {"GET", "/api/v1/attachments/{id}", ROLES_ANY, attachment_get},
        {"DELETE", "/api/v1/attachments/{id}", ROLES_STAFF, attachment_del},
        {NULL, NULL, 0, NULL},
};
