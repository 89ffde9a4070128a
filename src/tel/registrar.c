/* The SIP registrar: agents' phones REGISTER as their Lotsen username, answer an MD5 digest
 * challenge (realm "lotsen", qop=auth) with their SIP secret, and are then rung at the
 * registered Contact. Bindings live in memory only, one per user, and expire. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tel/tel_int.h" /* first: libre headers have no include guards */
#include <re_mem.h>
#include <re_uri.h>
#include <re_msg.h>
#include <re_sip.h>
#include <re_httpauth.h>
#include <re_md5.h>
#include <re_sys.h>

#include "acdhost/acd_host.h"
#include "base/log.h"
#include "core/app.h"
#include "tel/tel.h"
#include "tel/tel_store.h"

#define NONCE_LEN   48  /* hex: 8 bytes time, 8 random, 8 MAC */
#define NONCE_MAX_S 300 /* a nonce older than this is stale */

struct binding {
	struct le le;       /* in tel->bindings */
	int64_t user;       /* users.id = the agent id */
	char contact[256];  /* the Contact URI the phone registered */
	int64_t expires_ms; /* when the binding lapses */
};

static uint64_t nonce_mac(const struct tel *t, uint64_t ts, uint64_t rnd)
{
	uint8_t d[MD5_SIZE];
	uint64_t mac = 0;

	if (md5_printf(d, "%w:%llx:%llx", t->nonce_key, sizeof(t->nonce_key), ts, rnd) != 0)
		return 0;
	for (size_t i = 0; i < 8; i++)
		mac = mac << 8 | d[i];
	return mac;
}

static void nonce_make(const struct tel *t, char out[NONCE_LEN + 1])
{
	uint64_t ts = (uint64_t)(acd_now_ms() / 1000), rnd = rand_u64();

	(void)re_snprintf(out, NONCE_LEN + 1, "%016llx%016llx%016llx", ts, rnd,
	                  nonce_mac(t, ts, rnd));
}

static uint64_t hex64(const char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 16; i++) {
		char c = p[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (d < 0)
			return UINT64_MAX;
		v = v << 4 | (uint64_t)d;
	}
	return v;
}

/* 0: ours and fresh; ETIMEDOUT: ours but stale; EINVAL: not ours. */
static int nonce_check(const struct tel *t, const struct pl *nonce)
{
	char n[NONCE_LEN + 1];
	uint64_t ts, rnd, mac;
	int64_t now = acd_now_ms() / 1000;

	if (nonce->l != NONCE_LEN)
		return EINVAL;
	(void)pl_strcpy(nonce, n, sizeof(n));
	ts = hex64(n);
	rnd = hex64(n + 16);
	mac = hex64(n + 32);
	if (ts == UINT64_MAX || rnd == UINT64_MAX || mac == UINT64_MAX ||
	    mac != nonce_mac(t, ts, rnd))
		return EINVAL;
	if ((int64_t)ts > now + 5 || now - (int64_t)ts > NONCE_MAX_S)
		return ETIMEDOUT;
	return 0;
}

static void challenge(struct tel *t, const struct sip_msg *msg, bool stale)
{
	char nonce[NONCE_LEN + 1];

	nonce_make(t, nonce);
	(void)sip_treplyf(NULL, NULL, t->sip, msg, false, 401, "Unauthorized",
	                  "WWW-Authenticate: Digest realm=\"" TEL_SIP_REALM "\", nonce=\"%s\","
	                  " algorithm=MD5, qop=\"auth\"%s\r\n"
	                  "Content-Length: 0\r\n\r\n",
	                  nonce, stale ? ", stale=true" : "");
}

static struct binding *binding_find(struct tel *t, int64_t user)
{
	struct le *le;
	int64_t now = acd_now_ms();

	for (le = t->bindings.head; le;) {
		struct binding *b = le->data;
		le = le->next;
		if (b->expires_ms <= now) {
			log_info("tel.register", "user=%lld contact=\"%s\" expired=true",
			         (long long)b->user, b->contact);
			list_unlink(&b->le);
			mem_deref(b);
			continue;
		}
		if (b->user == user)
			return b;
	}
	return NULL;
}

int tel_binding_uri(struct tel *t, uint32_t agent, char *uri, size_t n)
{
	struct binding *b = t ? binding_find(t, agent) : NULL;

	if (!b)
		return ENOENT;
	(void)re_snprintf(uri, n, "%s", b->contact);
	return 0;
}

static void forbidden(struct tel *t, const struct sip_msg *msg, const char *user, const char *why)
{
	log_info("tel.register", "result=403 user=\"%s\" reason=\"%s\"", user, why);
	(void)sip_treply(NULL, t->sip, msg, 403, "Forbidden");
}

static int hex_bytes(const char *hex, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v = 0;
		for (int k = 0; k < 2; k++) {
			char c = hex[2 * i + (size_t)k];
			int d = c >= '0' && c <= '9'   ? c - '0'
			        : c >= 'a' && c <= 'f' ? c - 'a' + 10
			        : c >= 'A' && c <= 'F' ? c - 'A' + 10
			                               : -1;
			if (d < 0)
				return EINVAL;
			v = v << 4 | (unsigned)d;
		}
		out[i] = (uint8_t)v;
	}
	return 0;
}

/* The requested lifetime: the Contact's expires parameter, else the Expires header, else
 * the maximum. */
static uint32_t requested_expires(const struct sip_msg *msg, const struct sip_addr *a)
{
	struct pl v;

	if (a && msg_param_decode(&a->params, "expires", &v) == 0)
		return pl_u32(&v);
	if (pl_isset(&msg->expires))
		return pl_u32(&msg->expires);
	return TEL_REG_MAX_S;
}

static void register_ok(struct tel *t, const struct sip_msg *msg, const struct binding *b)
{
	int64_t left = b ? (b->expires_ms - acd_now_ms() + 999) / 1000 : 0;

	if (b)
		(void)sip_treplyf(NULL, NULL, t->sip, msg, false, 200, "OK",
		                  "Contact: <%s>;expires=%lld\r\nExpires: %lld\r\n"
		                  "Content-Length: 0\r\n\r\n",
		                  b->contact, (long long)left, (long long)left);
	else
		(void)sip_treplyf(NULL, NULL, t->sip, msg, false, 200, "OK",
		                  "Content-Length: 0\r\n\r\n");
}

static bool register_h(const struct sip_msg *msg, void *arg)
{
	struct tel *t = arg;
	const struct sip_hdr *h;
	struct httpauth_digest_resp resp;
	struct sip_addr addr;
	struct binding *b;
	char user[64] = "", ha1hex[33];
	uint8_t ha1[MD5_SIZE];
	uint32_t expires;
	int64_t uid;
	int err;

	if (pl_strcmp(&msg->met, "REGISTER"))
		return false;
	if (!pl_isset(&msg->to.uri.user) || msg->to.uri.user.l >= sizeof(user)) {
		(void)sip_treplyf(NULL, NULL, t->sip, msg, false, 400, "Bad Request",
		                  "Warning: 399 lotsen \"To with a user part is required\"\r\n"
		                  "Content-Length: 0\r\n\r\n");
		return true;
	}
	(void)pl_strcpy(&msg->to.uri.user, user, sizeof(user));
	h = sip_msg_hdr(msg, SIP_HDR_AUTHORIZATION);
	if (!h || httpauth_digest_response_decode(&resp, &h->val) != 0 ||
	    pl_strcmp(&resp.realm, TEL_SIP_REALM)) {
		log_info("tel.register", "result=401 user=\"%s\"", user);
		challenge(t, msg, false);
		return true;
	}
	err = nonce_check(t, &resp.nonce);
	if (err) {
		log_info("tel.register", "result=401 user=\"%s\" nonce=%s", user,
		         err == ETIMEDOUT ? "stale" : "foreign");
		challenge(t, msg, err == ETIMEDOUT);
		return true;
	}
	/* Unknown users, users without a SIP secret and wrong passwords all get the same
	 * 403 after the challenge, so REGISTER cannot be used to find usernames. */
	if (pl_strcmp(&resp.username, user)) {
		forbidden(t, msg, user, "digest username is not the To user");
		return true;
	}
	if (tel_store_sip_ha1(t->app->db, user, &uid, ha1hex) != 0 ||
	    hex_bytes(ha1hex, ha1, sizeof(ha1)) != 0) {
		forbidden(t, msg, user, "no such user or no SIP secret");
		return true;
	}
	if (httpauth_digest_response_auth(&resp, &msg->met, ha1) != 0) {
		forbidden(t, msg, user, "wrong digest response");
		return true;
	}
	b = binding_find(t, uid);
	h = sip_msg_hdr(msg, SIP_HDR_CONTACT);
	if (!h) {
		/* A query: the current binding. */
		register_ok(t, msg, b);
		return true;
	}
	if (!pl_strcmp(&h->val, "*")) {
		if (requested_expires(msg, NULL) != 0) {
			(void)sip_treply(NULL, t->sip, msg, 400, "Bad Request");
			return true;
		}
		expires = 0;
	} else {
		if (sip_addr_decode(&addr, &h->val) != 0 || addr.auri.l >= sizeof(b->contact)) {
			(void)sip_treply(NULL, t->sip, msg, 400, "Bad Request");
			return true;
		}
		expires = requested_expires(msg, &addr);
	}
	if (expires == 0) {
		if (b) {
			list_unlink(&b->le);
			b = mem_deref(b);
		}
		if (tel_store_binding_delete(t->app->db, uid) != 0)
			log_warn("tel.register", "user=\"%s\" stored=false", user);
		log_info("tel.register", "result=200 user=\"%s\" removed=true", user);
		register_ok(t, msg, NULL);
		return true;
	}
	if (expires < TEL_REG_MIN_S) {
		log_info("tel.register", "result=423 user=\"%s\" expires=%u", user, expires);
		(void)sip_treplyf(NULL, NULL, t->sip, msg, false, 423, "Interval Too Brief",
		                  "Min-Expires: %u\r\nContent-Length: 0\r\n\r\n", TEL_REG_MIN_S);
		return true;
	}
	if (expires > TEL_REG_MAX_S)
		expires = TEL_REG_MAX_S;
	if (!b) {
		b = mem_zalloc(sizeof(*b), NULL);
		if (!b) {
			(void)sip_treply(NULL, t->sip, msg, 500, "Server Internal Error");
			return true;
		}
		b->user = uid;
		list_append(&t->bindings, &b->le, b);
	}
	(void)pl_strcpy(&addr.auri, b->contact, sizeof(b->contact));
	b->expires_ms = acd_now_ms() + (int64_t)expires * 1000;
	/* In memory it works now; stored, the next node that runs the queue knows it too. */
	if (tel_store_binding_put(t->app->db, uid, b->contact, b->expires_ms) != 0)
		log_warn("tel.register", "user=\"%s\" stored=false", user);
	log_info("tel.register", "result=200 user=\"%s\" contact=\"%s\" expires=%u", user,
	         b->contact, expires);
	register_ok(t, msg, b);
	return true;
}

static void load_h(int64_t user, const char *contact, int64_t expires_ms, void *arg)
{
	struct tel *t = arg;
	struct binding *b = binding_find(t, user);

	if (b || strlen(contact) >= sizeof(b->contact))
		return; /* one registered here meanwhile is newer */
	b = mem_zalloc(sizeof(*b), NULL);
	if (!b)
		return;
	b->user = user;
	snprintf(b->contact, sizeof(b->contact), "%s", contact);
	b->expires_ms = expires_ms;
	list_append(&t->bindings, &b->le, b);
}

void tel_registrar_load(struct tel *t)
{
	int n = list_count(&t->bindings), err;

	err = tel_store_bindings_each(t->app->db, acd_now_ms(), load_h, t);
	log_info("tel.register", "loaded=%d error=\"%s\"", (int)list_count(&t->bindings) - n,
	         err ? strerror(err) : "none");
}

int tel_registrar_listen(struct tel *t)
{
	rand_bytes(t->nonce_key, sizeof(t->nonce_key));
	list_init(&t->bindings);
	return sip_listen(&t->reg_lsnr, t->sip, true, register_h, t);
}

void tel_registrar_close(struct tel *t)
{
	t->reg_lsnr = mem_deref(t->reg_lsnr);
	list_flush(&t->bindings);
}

int tel_sip_secret_set(struct db *db, int64_t user_id, const char *secret, int64_t now_ms)
{
	uint8_t d[MD5_SIZE];
	char ha1[33];
	char *username = NULL;
	int err;

	if (!db || !secret)
		return EINVAL;
	err = tel_store_username(db, user_id, &username);
	if (!err)
		err = md5_printf(d, "%s:" TEL_SIP_REALM ":%s", username, secret);
	free(username);
	if (err)
		return err;
	(void)re_snprintf(ha1, sizeof(ha1), "%w", d, sizeof(d));
	return tel_store_sip_ha1_set(db, user_id, ha1, now_ms);
}

/* ---- the same digest for trunks (INVITE with Proxy-Authorization) -------- */

void tel_digest_challenge(struct tel *t, const struct sip_msg *msg, bool stale)
{
	char nonce[NONCE_LEN + 1];

	nonce_make(t, nonce);
	(void)sip_treplyf(NULL, NULL, t->sip, msg, false, 407, "Proxy Authentication Required",
	                  "Proxy-Authenticate: Digest realm=\"" TEL_SIP_REALM "\", nonce=\"%s\","
	                  " algorithm=MD5, qop=\"auth\"%s\r\n"
	                  "Content-Length: 0\r\n\r\n",
	                  nonce, stale ? ", stale=true" : "");
}

int tel_digest_verify(struct tel *t, const struct sip_msg *msg, int64_t *trunk)
{
	const struct sip_hdr *h = sip_msg_hdr(msg, SIP_HDR_PROXY_AUTHORIZATION);
	struct httpauth_digest_resp resp;
	char user[64], ha1hex[33];
	uint8_t ha1[MD5_SIZE];
	int err;

	if (!h || httpauth_digest_response_decode(&resp, &h->val) != 0 ||
	    pl_strcmp(&resp.realm, TEL_SIP_REALM))
		return ENOENT;
	err = nonce_check(t, &resp.nonce);
	if (err)
		return err == ETIMEDOUT ? ETIMEDOUT : ENOENT;
	if (!pl_isset(&resp.username) || resp.username.l >= sizeof(user))
		return EPERM;
	(void)pl_strcpy(&resp.username, user, sizeof(user));
	if (tel_store_trunk_digest(t->app->db, user, trunk, ha1hex) != 0 ||
	    hex_bytes(ha1hex, ha1, sizeof(ha1)) != 0 ||
	    httpauth_digest_response_auth(&resp, &msg->met, ha1) != 0)
		return EPERM;
	return 0;
}

int tel_digest_ha1(const char *username, const char *secret, char ha1[33])
{
	uint8_t d[MD5_SIZE];
	int err;

	if (!username || !secret)
		return EINVAL;
	err = md5_printf(d, "%s:" TEL_SIP_REALM ":%s", username, secret);
	if (err)
		return err;
	(void)re_snprintf(ha1, 33, "%w", d, sizeof(d));
	return 0;
}
