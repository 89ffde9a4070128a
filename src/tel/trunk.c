/* Trunks: the operators and PBXs Lotsen takes calls from — by source address or by digest —
 * and sends its own calls out through (callbacks, surveys). Without any trunk configured
 * everyone may call in and calls out go back to where the caller came from. */
#include <errno.h>
#include <string.h>

#include "tel/tel_int.h" /* first: libre headers have no include guards */
#include <re_mem.h>
#include <re_uri.h>
#include <re_msg.h>
#include <re_sip.h>

#include "base/log.h"
#include "core/app.h"
#include "tel/tel_store.h"

bool tel_trunk_admit(struct tel *t, const struct sip_msg *msg, int64_t *trunk)
{
	const char *why = "not a trunk's address";
	char ip[64];
	bool digest = false;
	int err;

	*trunk = 0;
	(void)re_snprintf(ip, sizeof(ip), "%j", &msg->src);
	err = tel_store_trunk_admit(t->app->db, ip, trunk, &digest);
	if (err == ENOENT)
		return true; /* no trunks: an open test or lab setup */
	if (!err && *trunk)
		return true;
	if (!err && digest) {
		err = tel_digest_verify(t, msg, trunk);
		if (!err)
			return true;
		why = "wrong digest";
		if (err != EPERM) {
			log_info("tel.trunk", "src=%s result=407 nonce=%s", ip,
			         err == ETIMEDOUT ? "stale" : "none");
			tel_digest_challenge(t, msg, err == ETIMEDOUT);
			return false;
		}
	}
	if (err && err != EPERM)
		why = "store error";
	log_info("tel.trunk", "src=%s result=403 reason=\"%s\"", ip, why);
	(void)sip_treplyf(NULL, NULL, t->sip, msg, false, 403, "Forbidden",
	                  "Warning: 399 lotsen \"calls are taken from the configured trunks "
	                  "only\"\r\nContent-Length: 0\r\n\r\n");
	return false;
}

void tel_trunk_route(struct tel *t, const char *number, const char *fallback_host,
                     const char *fallback_from, char *uri, size_t nu, char *from, size_t nf,
                     int64_t *trunk)
{
	char proxy[128], num[32];

	*trunk = 0;
	if (tel_store_trunk_outbound(t->app->db, trunk, proxy, sizeof(proxy), num, sizeof(num)) ==
	    0) {
		(void)re_snprintf(uri, nu, "sip:%s@%s", number, proxy);
		(void)re_snprintf(from, nf, "sip:%s@%J", num[0] ? num : fallback_from, &t->laddr);
		return;
	}
	(void)re_snprintf(uri, nu, "sip:%s@%s", number, fallback_host);
	(void)re_snprintf(from, nf, "sip:%s@%J", fallback_from, &t->laddr);
}

bool tel_trunk_outbound(struct tel *t)
{
	char proxy[128], num[32];
	int64_t id;

	return tel_store_trunk_outbound(t->app->db, &id, proxy, sizeof(proxy), num, sizeof(num)) ==
	       0;
}
