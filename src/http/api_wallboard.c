/* The wallboard's figures (GET /api/v1/wallboard) and the wall screens' logins: an admin
 * issues, lists and revokes displays (/api/v1/displays), each a token with the wallboard
 * role that reads the board and nothing else. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "acdhost/acd_host.h"
#include "core/audit.h"
#include "core/resource.h"
#include "http/http_int.h"
#include "mail/mail.h"

/* ======================================================================
 * Displays (admins)
 * ====================================================================== */

/* {"name": "Väggen i Kontaktcenter", "groups": [1, 2]} → 201 with the token, shown this
 * once, and the address a screen opens (the token in the fragment, which browsers never
 * send to a server, so it stays out of every access log). */
static int display_create(struct req *r)
{
	struct verrors v;
	char token[AUTH_TOKEN_LEN + 1];
	char url[128];
	json_t *in, *name, *groups, *out;
	int64_t id = 0;
	int err;

	if (req_json_object(r, &in))
		return 0;
	valid_init(&v, r->lang[0] == 'e');
	name = json_object_get(in, "name");
	groups = json_object_get(in, "groups");
	if (name && !json_is_string(name))
		valid_add(&v, "name", "%s",
		          L(r, "ska vara text: skärmens namn", "must be text: the display's name"));
	err = valid_has_errors(&v)
	              ? EBADMSG
	              : auth_display_create(r->app->db, &r->who, json_string_value(name), groups,
	                                    r->now, token, &id, &v);
	if (err) {
		json_decref(in);
		return resp_domain(
		        r, err,
		        &(struct domain_ref){"display", "ingen skärm", "display", 0, NULL, NULL},
		        &v);
	}
	valid_free(&v);
	snprintf(url, sizeof(url), "/wallboard.html?kiosk=1#token=%s", token);
	out = json_pack("{s:I,s:O,s:O,s:s,s:s}", "id", (json_int_t)id, "name", name, "groups",
	                groups && json_is_array(groups) ? groups : json_null(), "token", token,
	                "login_path", url);
	memset(token, 0, sizeof(token));
	memset(url, 0, sizeof(url));
	json_decref(in);
	return resp_json(r, 201, out);
}

static int display_list(struct req *r)
{
	struct page pg;
	json_t *items;
	int err;

	if (req_query_page(r, 100, 1000, &pg))
		return 0;
	err = auth_display_list(r->app->db, &items);
	if (err)
		return resp_store_error(r, err, "displays");
	return resp_list_slice(r, items, &pg);
}

static int display_revoke(struct req *r)
{
	int64_t id = r->params[0];
	int err = auth_display_revoke(r->app->db, &r->who, id, r->now);

	if (err == EALREADY)
		return resp_error(
		        r, 409, "conflict", L(r, "Redan återkallad", "Already revoked"),
		        L(r, "Skärm %lld är redan återkallad.", "Display %lld is already revoked."),
		        (long long)id);
	if (err)
		return resp_domain(
		        r, err,
		        &(struct domain_ref){"display", "ingen skärm", "display", id, NULL, NULL},
		        NULL);
	/* The screen's live stream ends now; its reconnection meets the 401. */
	sse_close_display(r->sse, id);
	return resp_empty(r, 204);
}

/* ======================================================================
 * The board's figures: targets, e-mail waiting, agents per state
 * ====================================================================== */

#define WB_MAX_AGENTS 2000

struct wb_job {
	struct principal who; /* copied from the request */
	json_t *groups;       /* resource_group_targets (owned) */
	struct mail_waiting mail;
	int64_t shown[64]; /* a display's groups */
	size_t nshown;
	bool all;
	char name[128];                /* the display's name, "" for staff */
	int64_t agents[WB_MAX_AGENTS]; /* users who answer phones */
	size_t nagents;
	int err;
};

static int wb_agent_h(int64_t id, const char *display_name, void *arg)
{
	struct wb_job *j = arg;

	(void)display_name; /* the board shows states, never who */
	if (j->nagents < WB_MAX_AGENTS)
		j->agents[j->nagents++] = id;
	return 0;
}

static void wb_read_h(struct db *db, void *arg)
{
	struct wb_job *j = arg;

	j->all = true;
	j->err = resource_group_targets(db, &j->groups);
	if (!j->err)
		j->err = mail_waiting(db, &j->mail);
	if (!j->err && j->who.display_id) {
		j->err = auth_display_groups(db, j->who.display_id, j->shown, 64, &j->nshown,
		                             &j->all);
		if (!j->err)
			j->err = auth_display_name(db, j->who.display_id, j->name, sizeof(j->name));
	}
	if (!j->err)
		j->err = auth_phone_users_each(db, wb_agent_h, j);
}

static bool shown(const struct wb_job *j, int64_t group)
{
	if (j->all)
		return true;
	for (size_t i = 0; i < j->nshown; i++)
		if (j->shown[i] == group)
			return true;
	return false;
}

/* Per state of the group's agents: how many, and the longest time one has been in it. */
static void wb_add_agent(json_t *states, const json_t *a)
{
	const char *st = json_string_value(json_object_get(a, "state"));
	json_t *secs = json_object_get(a, "seconds_in_state");
	json_t *o;

	if (!st || strcmp(st, "logged_out") == 0)
		return;
	o = json_object_get(states, st);
	if (!o) {
		o = json_pack("{s:i,s:I}", "count", 0, "longest_s", (json_int_t)0);
		json_object_set_new(states, st, o);
	}
	json_object_set_new(o, "count",
	                    json_integer(json_integer_value(json_object_get(o, "count")) + 1));
	if (json_is_integer(secs) &&
	    json_integer_value(secs) > json_integer_value(json_object_get(o, "longest_s")))
		json_object_set_new(o, "longest_s", json_integer(json_integer_value(secs)));
}

static void wb_answer_h(struct req *r, void *arg)
{
	struct wb_job *j = arg;
	json_t *list, *g, *agents = NULL, *out;
	size_t i;
	int64_t now_ms = acd_now_ms();

	if (j->err) {
		json_decref(j->groups);
		resp_store_error(r, j->err, "wallboard");
		free(j);
		return;
	}
	if (r->app->acd) {
		agents = json_array();
		for (size_t k = 0; k < j->nagents; k++) {
			json_t *a;

			if (acd_host_agent_json(r->app->acd, now_ms, (uint32_t)j->agents[k], &a) ==
			    0)
				json_array_append_new(agents, a);
		}
	}
	list = json_array();
	json_array_foreach(j->groups, i, g)
	{
		int64_t gid = json_integer_value(json_object_get(g, "group_id"));
		json_t *states = json_object(), *a;
		size_t k;

		if (!shown(j, gid)) {
			json_decref(states);
			continue;
		}
		json_array_foreach(agents, k, a)
		{
			json_t *m;
			size_t l;

			json_array_foreach(json_object_get(a, "groups"), l, m)
			{
				if (json_integer_value(json_object_get(m, "group_id")) == gid) {
					wb_add_agent(states, a);
					break;
				}
			}
		}
		json_object_set_new(g, "agent_states", states);
		json_array_append(list, g);
	}
	json_decref(agents);
	out = json_pack("{s:o,s:{s:I,s:o}}", "groups", list, "email", "waiting",
	                (json_int_t)j->mail.cases_open, "oldest_received_at",
	                j->mail.oldest_open_at ? json_integer(j->mail.oldest_open_at)
	                                       : json_null());
	json_object_set_new(out, "display",
	                    j->who.display_id
	                            ? json_pack("{s:I,s:s}", "id", (json_int_t)j->who.display_id,
	                                        "name", j->name)
	                            : json_null());
	json_object_set_new(out, "at", json_integer(r->now));
	json_decref(j->groups);
	free(j);
	resp_json(r, 200, out);
}

static int wallboard_get(struct req *r)
{
	struct wb_job *j = calloc(1, sizeof(*j));
	int err;

	if (!j)
		return resp_store_error(r, ENOMEM, "wallboard");
	j->who = r->who;
	err = req_defer_read(r, wb_read_h, wb_answer_h, j);
	if (err) {
		free(j);
		return err == EBUSY ? req_read_busy(r) : resp_store_error(r, err, "wallboard");
	}
	return 0;
}

const struct route api_wallboard_routes[] = {
        {"GET", "/api/v1/wallboard", ROLES_STAFF | ROLE_WALLBOARD | ROUTE_QUEUE, wallboard_get},
        {"POST", "/api/v1/displays", ROLE_ADMIN, display_create},
        {"GET", "/api/v1/displays", ROLE_ADMIN, display_list},
        {"DELETE", "/api/v1/displays/{id}", ROLE_ADMIN, display_revoke},
        {NULL, NULL, 0, NULL},
};
