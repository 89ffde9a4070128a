/* Trusted reverse proxies: which peers may tell the client's address in X-Forwarded-For or
 * Forwarded, and the client address that follows. Pure: no I/O. */
#ifndef LOTSEN_BASE_PROXY_H
#define LOTSEN_BASE_PROXY_H

#include <stdbool.h>
#include <stddef.h>

struct proxy_list;

/* "127.0.0.1, 10.0.0.0/8, ::1, fd00::/8" (commas or spaces between entries). An empty or
 * "none" spec gives *lp = NULL: no proxy is trusted. EINVAL with the bad entry named in
 * `err`; ENOMEM. */
int proxy_list_parse(struct proxy_list **lp, const char *spec, char *err, size_t errlen);
void proxy_list_free(struct proxy_list *l);
/* Is `addr` (text, IPv4 or IPv6) one of the trusted proxies? false for NULL or garbage. */
bool proxy_list_has(const struct proxy_list *l, const char *addr);

/* The client's address for a request whose TCP peer is `peer`. Only when the peer is a
 * trusted proxy are the headers believed: X-Forwarded-For (`xff`, every line of it joined
 * by commas), else `Forwarded`'s for= parameters. The hops are read from the right; the
 * first one that is not a trusted proxy is the client. A hop that is not an address
 * ("unknown", an obfuscated name, garbage) ends the walk at the last trusted hop, so a
 * client cannot hide behind it. Written to `out` as text ("192.0.2.7", "2001:db8::7"). */
void proxy_client_addr(const struct proxy_list *l, const char *peer, const char *xff,
                       const char *forwarded, char *out, size_t n);

#endif
