/* Trusted reverse proxies and the client address behind them (X-Forwarded-For, Forwarded). */
#include "base/proxy.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HOPS_MAX 32 /* hops read from one header; more is garbage or an attack */

/* An address as 16 bytes: IPv4 as ::ffff:a.b.c.d, so one compare serves both. */
struct net {
	uint8_t a[16];
	unsigned bits; /* prefix length over the 16 bytes (IPv4 /8 is 104) */
};

struct proxy_list {
	size_t n;          /* entries in nets */
	struct net nets[]; /* the trusted networks */
};

static bool addr_parse(const char *s, size_t len, uint8_t out[16], bool *v4)
{
	char buf[64];
	struct in_addr a4;

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, &a4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &a4, 4);
		*v4 = true;
		return true;
	}
	*v4 = false;
	return inet_pton(AF_INET6, buf, out) == 1;
}

static bool net_has(const struct net *n, const uint8_t a[16])
{
	unsigned full = n->bits / 8, rest = n->bits % 8;

	if (memcmp(n->a, a, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((n->a[full] ^ a[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

static bool has(const struct proxy_list *l, const uint8_t a[16])
{
	for (size_t i = 0; l && i < l->n; i++)
		if (net_has(&l->nets[i], a))
			return true;
	return false;
}

static int entry_parse(const char *s, size_t len, struct net *out)
{
	const char *slash = memchr(s, '/', len);
	size_t alen = slash ? (size_t)(slash - s) : len;
	bool v4;
	unsigned max;

	if (!addr_parse(s, alen, out->a, &v4))
		return EINVAL;
	max = v4 ? 32 : 128;
	out->bits = 128;
	if (slash) {
		char digits[8];
		size_t dl = len - alen - 1;
		char *end;
		unsigned long b;

		if (dl == 0 || dl >= sizeof(digits))
			return EINVAL;
		memcpy(digits, slash + 1, dl);
		digits[dl] = '\0';
		if (!isdigit((unsigned char)digits[0]))
			return EINVAL;
		b = strtoul(digits, &end, 10);
		if (*end || b > max)
			return EINVAL;
		out->bits = (unsigned)b + (v4 ? 96 : 0);
	}
	return 0;
}

int proxy_list_parse(struct proxy_list **lp, const char *spec, char *err, size_t errlen)
{
	struct proxy_list *l;
	size_t cap = 0;
	const char *p;

	*lp = NULL;
	if (!spec)
		return 0;
	/* One entry per separator the loop below splits at, tabs included (a tab-separated
	 * list once wrote past the end: found by fuzz/fuzz_proxy.c). */
	for (p = spec; *p; p++)
		cap += (*p == ',' || *p == ' ' || *p == '\t') ? 1 : 0;
	cap++;
	l = calloc(1, sizeof(*l) + cap * sizeof(l->nets[0]));
	if (!l)
		return ENOMEM;
	p = spec;
	while (*p) {
		size_t len;

		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		len = strcspn(p, ", \t");
		if (len == 0)
			break;
		if (len == 4 && strncasecmp(p, "none", 4) == 0) {
			/* "none": nothing is trusted; beside other entries it is an error */
			p += len;
			p += strspn(p, ", \t");
			if (l->n == 0 && !*p)
				break;
			p = "none";
			break;
		}
		if (entry_parse(p, len, &l->nets[l->n]) != 0) {
			snprintf(
			        err, errlen,
			        "\"%.*s\" is not an address or network (e.g. 10.0.0.5, 10.0.0.0/8, "
			        "fd00::/8)",
			        (int)(len > 64 ? 64 : len), p);
			free(l);
			return EINVAL;
		}
		l->n++;
		p += len;
	}
	if (*p) {
		snprintf(err, errlen, "\"none\" stands alone: no proxy is trusted");
		free(l);
		return EINVAL;
	}
	if (l->n == 0) {
		free(l);
		return 0;
	}
	*lp = l;
	return 0;
}

void proxy_list_free(struct proxy_list *l)
{
	free(l);
}

bool proxy_list_has(const struct proxy_list *l, const char *addr)
{
	uint8_t a[16];
	bool v4;

	return l && addr && addr_parse(addr, strlen(addr), a, &v4) && has(l, a);
}

/* One hop as written in a header: "192.0.2.7", "192.0.2.7:4711", "[2001:db8::7]:4711",
 * "2001:db8::7", optionally in double quotes (Forwarded). */
static bool hop_parse(const char *s, size_t len, uint8_t out[16])
{
	bool v4;

	while (len && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len >= 2 && s[0] == '"' && s[len - 1] == '"') {
		s++;
		len -= 2;
	}
	if (len && s[0] == '[') {
		const char *close = memchr(s, ']', len);
		size_t rest;

		if (!close)
			return false;
		rest = len - (size_t)(close - s) - 1;
		/* after ']' only nothing or ":port" */
		if (rest && (close[1] != ':' || rest == 1))
			return false;
		for (size_t i = 2; i <= rest; i++)
			if (!isdigit((unsigned char)close[i]))
				return false;
		return addr_parse(s + 1, (size_t)(close - s) - 1, out, &v4) && !v4;
	}
	if (addr_parse(s, len, out, &v4))
		return true;
	/* IPv4 with a port: exactly one colon */
	{
		const char *colon = memchr(s, ':', len);
		if (colon && !memchr(colon + 1, ':', len - (size_t)(colon - s) - 1) &&
		    (size_t)(colon - s) + 1 < len) {
			for (const char *d = colon + 1; d < s + len; d++)
				if (!isdigit((unsigned char)*d))
					return false;
			return addr_parse(s, (size_t)(colon - s), out, &v4) && v4;
		}
	}
	return false;
}

/* The for= value of one Forwarded element ("for=192.0.2.60;proto=http"), or NULL. */
static const char *forwarded_for(const char *s, size_t len, size_t *vlen)
{
	const char *end = s + len;

	while (s < end) {
		size_t plen;
		const char *semi = memchr(s, ';', (size_t)(end - s));

		plen = semi ? (size_t)(semi - s) : (size_t)(end - s);
		while (plen && (*s == ' ' || *s == '\t')) {
			s++;
			plen--;
		}
		if (plen > 4 && strncasecmp(s, "for=", 4) == 0) {
			*vlen = plen - 4;
			return s + 4;
		}
		if (!semi)
			break;
		s = semi + 1;
	}
	return NULL;
}

/* Split a header into hops at commas (none inside double quotes), left to right. */
static size_t split_hops(const char *h, const char *starts[], size_t lens[], size_t max)
{
	size_t n = 0;
	const char *s = h;
	bool quoted = false;

	for (const char *p = h;; p++) {
		if (*p == '"')
			quoted = !quoted;
		if (*p == '\0' || (*p == ',' && !quoted)) {
			if (n == max)
				return max + 1; /* too many: the caller believes none */
			starts[n] = s;
			lens[n] = (size_t)(p - s);
			n++;
			if (*p == '\0')
				break;
			s = p + 1;
		}
	}
	return n;
}

static void addr_text(const uint8_t a[16], char *out, size_t n)
{
	static const uint8_t v4map[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (memcmp(a, v4map, 12) == 0) {
		if (!inet_ntop(AF_INET, a + 12, out, (socklen_t)n))
			snprintf(out, n, "unknown");
	} else if (!inet_ntop(AF_INET6, a, out, (socklen_t)n)) {
		snprintf(out, n, "unknown");
	}
}

void proxy_client_addr(const struct proxy_list *l, const char *peer, const char *xff,
                       const char *forwarded, char *out, size_t n)
{
	const char *starts[HOPS_MAX];
	size_t lens[HOPS_MAX], hops;
	uint8_t cur[16], hop[16];
	bool v4, use_fwd;

	if (n == 0)
		return;
	if (!peer || !addr_parse(peer, strlen(peer), cur, &v4)) {
		snprintf(out, n, "%s", peer ? peer : "unknown");
		return;
	}
	addr_text(cur, out, n);
	if (!has(l, cur))
		return;
	/* X-Forwarded-For is what nginx, HAProxy and the cloud balancers append to; Forwarded
	 * only when there is none, so a client's own Forwarded is not read beside it. */
	use_fwd = !(xff && *xff);
	if (use_fwd && !(forwarded && *forwarded))
		return;
	hops = split_hops(use_fwd ? forwarded : xff, starts, lens, HOPS_MAX);
	if (hops > HOPS_MAX)
		return;
	for (size_t i = hops; i-- > 0;) {
		const char *s = starts[i];
		size_t len = lens[i];

		if (use_fwd && !(s = forwarded_for(starts[i], lens[i], &len)))
			break;
		if (!hop_parse(s, len, hop))
			break;
		memcpy(cur, hop, sizeof(cur));
		if (!has(l, cur))
			break;
	}
	addr_text(cur, out, n);
}
