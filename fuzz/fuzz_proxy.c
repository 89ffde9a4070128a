/* The trusted-proxies setting and the client address behind a proxy: the first line is the
 * `trusted-proxies` list, the next ones the TCP peer, X-Forwarded-For and Forwarded as a
 * client (or a proxy) could send them; a peer that is not trusted is always its own client,
 * whatever its headers say. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/proxy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The next line of `*p` (up to '\n' or the end), NUL-terminated in place. */
static char *line(char **p, char *end)
{
	char *s = *p, *nl;

	if (s >= end)
		return NULL;
	nl = memchr(s, '\n', (size_t)(end - s));
	if (!nl)
		nl = end;
	*nl = '\0';
	*p = nl + 1;
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxy_list *l = NULL;
	char *buf, *p, *end, *spec, *peer, *xff, *fwd, err[160], out[64], alone[64];

	if (size > 8192)
		return 0;
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	p = buf;
	end = buf + size;
	spec = line(&p, end);
	peer = line(&p, end);
	xff = line(&p, end);
	fwd = line(&p, end);
	if (spec && proxy_list_parse(&l, spec, err, sizeof(err)) == 0) {
		const char *who = peer ? peer : "192.0.2.1";

		proxy_client_addr(l, who, xff, fwd, out, sizeof(out));
		proxy_client_addr(l, who, NULL, NULL, alone, sizeof(alone));
		if (!proxy_list_has(l, who) && strcmp(out, alone) != 0)
			abort(); /* an untrusted peer's headers were believed */
		proxy_client_addr(l, who, xff, NULL, out, 8);
		proxy_list_free(l);
	}
	free(buf);
	return 0;
}
