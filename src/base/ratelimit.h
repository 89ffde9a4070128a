/* Token buckets per key (a client's address): at most `burst` events per `period_s`,
 * refilled evenly. Pure: time comes in as an argument; no I/O. */
#ifndef LOTSEN_BASE_RATELIMIT_H
#define LOTSEN_BASE_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct ratelimit;

/* burst ≥ 1 tokens, refilled over period_s ≥ 1 seconds. ENOMEM or EINVAL. */
int ratelimit_alloc(struct ratelimit **rlp, unsigned burst, unsigned period_s);
void ratelimit_free(struct ratelimit *rl);

/* May `key` do one more now (now_ms: any monotonic or wall clock in ms)? When not, the
 * seconds until it may are put in *retry_s (≥ 1). Nothing is taken. */
bool ratelimit_check(struct ratelimit *rl, const char *key, int64_t now_ms, unsigned *retry_s);
/* Take one token for `key` (after the event was accepted). */
void ratelimit_take(struct ratelimit *rl, const char *key, int64_t now_ms);

/* "5/600" → burst 5, period 600 s; "0" or "off" → burst 0 (no limit). EINVAL otherwise. */
int ratelimit_parse(const char *s, unsigned *burst, unsigned *period_s);

#endif
