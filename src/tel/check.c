/* The checks every new SIP request passes before Lotsen acts on it: what libre parsed but
 * RFC 3261 forbids (missing or repeated headers, numbers out of range, a body that is not
 * all there) is refused here with the specific status, so no handler sees it. */
#include <errno.h>
#include <string.h>

#include "tel/tel_int.h" /* first: libre headers have no include guards */
#include <re_mem.h>
#include <re_uri.h>
#include <re_msg.h>
#include <re_sip.h>

#include "base/log.h"

#define CSEQ_MAX   2147483647u /* RFC 3261 8.1.1.5: less than 2**31 */
#define MAXFWD_MAX 255         /* Max-Forwards is 0–255 in practice (RFC 3261 20.22) */

/* Why a request is refused: status, reason phrase and the Warning text. */
struct refusal {
	uint16_t scode;
	const char *reason;
	char why[160];
};

static bool refuse(struct refusal *r, uint16_t scode, const char *reason, const char *why)
{
	r->scode = scode;
	r->reason = reason;
	(void)re_snprintf(r->why, sizeof(r->why), "%s", why);
	return true;
}

/* All digits, at most `maxd` of them; the value in *v. */
static bool digits(const struct pl *pl, size_t maxd, uint64_t *v)
{
	uint64_t n = 0;

	if (!pl_isset(pl) || pl->l > maxd)
		return false;
	for (size_t i = 0; i < pl->l; i++) {
		if (pl->p[i] < '0' || pl->p[i] > '9')
			return false;
		n = n * 10 + (uint64_t)(pl->p[i] - '0');
	}
	*v = n;
	return true;
}

static bool is_token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("-.!%*_+`'~", c) != NULL;
}

static bool lws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A From, To or Contact value (RFC 3261 25.1): a display name that is a quoted string or
 * tokens ("Bell, Alexander <sip:…>" is neither), a URI in <> without white space, and an
 * unbracketed URI without headers (its '?' would be ambiguous). */
static bool name_addr_ok(const struct pl *val)
{
	const char *p = val->p, *e = val->p + val->l, *lt;

	while (p < e && lws(*p))
		p++;
	if (p < e && *p == '"') {
		for (p++; p < e && *p != '"'; p++)
			if (*p == '\\' && p + 1 < e)
				p++;
		if (p >= e)
			return false; /* the quote is never closed */
		for (p++; p < e && lws(*p); p++)
			;
		if (p >= e || *p != '<')
			return false;
	} else {
		lt = memchr(p, '<', (size_t)(e - p));
		if (!lt)
			return memchr(p, '?', (size_t)(e - p)) == NULL;
		for (; p < lt; p++)
			if (!is_token_char(*p) && !lws(*p))
				return false;
	}
	for (p++; p < e && *p != '>'; p++)
		if (lws(*p))
			return false;
	return p < e;
}

/* URI scheme syntax: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ). */
static bool scheme_ok(const struct pl *s)
{
	if (!pl_isset(s) || !((s->p[0] | 0x20) >= 'a' && (s->p[0] | 0x20) <= 'z'))
		return false;
	for (size_t i = 1; i < s->l; i++)
		if (!is_token_char(s->p[i]) || strchr("!%*_`'~", s->p[i]))
			return false;
	return true;
}

static bool contact_h(const struct sip_hdr *hdr, const struct sip_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return pl_strcmp(&hdr->val, "*") && !name_addr_ok(&hdr->val);
}

static bool once(const struct sip_msg *msg, enum sip_hdrid id)
{
	return sip_msg_hdr_count(msg, id) <= 1;
}

/* Append the option tags of every Require header to `out` ("a, b"). */
static bool require_collect(const struct sip_hdr *hdr, const struct sip_msg *msg, void *arg)
{
	struct mbuf *out = arg;

	(void)msg;
	(void)mbuf_printf(out, "%s%r", out->end ? ", " : "", &hdr->val);
	return false;
}

/* true and *r filled when the request must be refused. */
static bool check(const struct sip_msg *msg, struct refusal *r)
{
	static const struct {
		enum sip_hdrid id;
		const char *name;
	} single[] = {
	        {SIP_HDR_FROM, "From"},
	        {SIP_HDR_TO, "To"},
	        {SIP_HDR_CALL_ID, "Call-ID"},
	        {SIP_HDR_CSEQ, "CSeq"},
	        {SIP_HDR_MAX_FORWARDS, "Max-Forwards"},
	        {SIP_HDR_CONTENT_LENGTH, "Content-Length"},
	        {SIP_HDR_CONTENT_TYPE, "Content-Type"},
	};
	const struct sip_hdr *h;
	struct pl num, met, scheme;
	uint64_t v;

	if (!pl_isset(&msg->from.auri))
		return refuse(r, 400, "Bad Request", "From is required");
	if (!pl_isset(&msg->to.auri))
		return refuse(r, 400, "Bad Request", "To is required");
	if (!pl_isset(&msg->callid))
		return refuse(r, 400, "Bad Request", "Call-ID is required");
	h = sip_msg_hdr(msg, SIP_HDR_CSEQ);
	if (!h || !pl_isset(&msg->cseq.met))
		return refuse(r, 400, "Bad Request", "CSeq is required");
	for (size_t i = 0; i < sizeof(single) / sizeof(single[0]); i++) {
		if (!once(msg, single[i].id)) {
			char why[64];
			(void)re_snprintf(why, sizeof(why), "more than one %s header",
			                  single[i].name);
			return refuse(r, 400, "Bad Request", why);
		}
	}
	if (re_regex(h->val.p, h->val.l, "[^ \t\r\n]+[ \t\r\n]+[^ \t\r\n]+", &num, NULL, &met) ||
	    !digits(&num, 10, &v) || v > CSEQ_MAX)
		return refuse(r, 400, "Bad Request", "CSeq's number must be below 2^31");
	if (pl_cmp(&met, &msg->met))
		return refuse(r, 400, "Bad Request", "CSeq's method is not the request's");
	if (pl_isset(&msg->maxfwd) && (!digits(&msg->maxfwd, 10, &v) || v > MAXFWD_MAX))
		return refuse(r, 400, "Bad Request", "Max-Forwards must be 0 to 255");
	if (pl_isset(&msg->clen)) {
		if (!digits(&msg->clen, 10, &v))
			return refuse(r, 400, "Bad Request", "Content-Length must be a number");
		/* Over a stream libre waits for the body; a datagram has all there is. */
		if (msg->tp == SIP_TRANSP_UDP && v > mbuf_get_left(msg->mb))
			return refuse(r, 400, "Bad Request",
			              "Content-Length is larger than the body");
	}
	if (msg->mb && mbuf_get_left(msg->mb) > TEL_BODY_MAX)
		return refuse(r, 413, "Request Entity Too Large",
		              "a body of at most 16384 bytes is accepted");
	/* The scheme as written: libre's URI parser knows only the shape of sip URIs. */
	scheme.p = msg->ruri.p;
	scheme.l = 0;
	while (scheme.l < msg->ruri.l && msg->ruri.p[scheme.l] != ':')
		scheme.l++;
	if (scheme.l == msg->ruri.l || !scheme_ok(&scheme))
		return refuse(r, 400, "Bad Request", "the request-URI does not parse");
	if (pl_strcasecmp(&scheme, "sip") && pl_strcasecmp(&scheme, "sips") &&
	    pl_strcasecmp(&scheme, "tel"))
		return refuse(r, 416, "Unsupported URI Scheme", "only sip, sips and tel URIs");
	if (pl_isset(&msg->uri.headers))
		return refuse(r, 400, "Bad Request", "a request-URI cannot carry headers");
	if (!name_addr_ok(&msg->from.val) || !name_addr_ok(&msg->to.val) ||
	    sip_msg_hdr_apply(msg, true, SIP_HDR_CONTACT, contact_h, NULL))
		return refuse(r, 400, "Bad Request",
		              "From, To and Contact: a display name quoted or of tokens, the URI "
		              "in <> without spaces");
	return false;
}

static bool check_h(const struct sip_msg *msg, void *arg)
{
	struct tel *t = arg;
	struct refusal r;
	struct mbuf *tags;
	char met[32];

	memset(&r, 0, sizeof(r));
	(void)pl_strcpy(&msg->met, met, sizeof(met));
	if (!pl_isset(&msg->via.sentby))
		return true; /* nowhere to answer (RFC 3261 8.2: discarded) */
	if (check(msg, &r)) {
		if (pl_strcmp(&msg->met, "ACK")) { /* an ACK is never answered */
			log_info("tel.request", "method=%s result=%u reason=\"%s\"", met, r.scode,
			         r.why);
			(void)sip_treplyf(NULL, NULL, t->sip, msg, false, r.scode, r.reason,
			                  "Warning: 399 lotsen \"%s\"\r\nContent-Length: 0\r\n\r\n",
			                  r.why);
		}
		return true;
	}
	/* Lotsen supports no extension a request could require (RFC 3261 8.2.2.3). */
	if (!pl_strcmp(&msg->met, "ACK") || !pl_strcmp(&msg->met, "CANCEL") ||
	    !sip_msg_hdr(msg, SIP_HDR_REQUIRE))
		return false;
	tags = mbuf_alloc(128);
	if (!tags)
		return true;
	(void)sip_msg_hdr_apply(msg, true, SIP_HDR_REQUIRE, require_collect, tags);
	log_info("tel.request", "method=%s result=420 require=\"%.*s\"", met, (int)tags->end,
	         (const char *)tags->buf);
	(void)sip_treplyf(NULL, NULL, t->sip, msg, false, 420, "Bad Extension",
	                  "Unsupported: %b\r\nContent-Length: 0\r\n\r\n", tags->buf, tags->end);
	mem_deref(tags);
	return true;
}

int tel_check_listen(struct tel *t)
{
	return sip_listen(&t->check_lsnr, t->sip, true, check_h, t);
}

void tel_check_close(struct tel *t)
{
	t->check_lsnr = mem_deref(t->check_lsnr);
}
