/* Token buckets per client address for the public forms: a small set-associative table,
 * so memory stays fixed however many addresses come by. */
#include "base/ratelimit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SETS    1024 /* buckets are found by hash among SETS × WAYS slots */
#define WAYS    4
#define KEY_MAX 48 /* an IPv6 address in text is at most 45 characters */

struct slot {
	char key[KEY_MAX]; /* empty: unused */
	int64_t at_ms;     /* when `tokens` was last brought up to date */
	double tokens;     /* 0 … burst */
};

struct ratelimit {
	unsigned burst;      /* bucket size */
	double ms_per_token; /* refill: one token per this many ms */
	struct slot slots[SETS * WAYS];
};

int ratelimit_alloc(struct ratelimit **rlp, unsigned burst, unsigned period_s)
{
	struct ratelimit *rl;

	if (!rlp || burst == 0 || period_s == 0)
		return EINVAL;
	rl = calloc(1, sizeof(*rl));
	if (!rl)
		return ENOMEM;
	rl->burst = burst;
	rl->ms_per_token = (double)period_s * 1000.0 / (double)burst;
	*rlp = rl;
	return 0;
}

void ratelimit_free(struct ratelimit *rl)
{
	free(rl);
}

static uint32_t hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static double level(const struct ratelimit *rl, const struct slot *sl, int64_t now_ms)
{
	double t = sl->tokens + (double)(now_ms - sl->at_ms) / rl->ms_per_token;

	return t > rl->burst ? rl->burst : t;
}

/* The key's slot, or NULL when it has none (then its bucket is full). With `make`, a slot
 * is given: an unused one, else the fullest of the set — a full bucket forgets nothing. */
static struct slot *find(struct ratelimit *rl, const char *key, int64_t now_ms, bool make)
{
	struct slot *set = &rl->slots[(hash(key) % SETS) * WAYS], *pick = NULL;
	double best = -1;

	for (int i = 0; i < WAYS; i++)
		if (strcmp(set[i].key, key) == 0)
			return &set[i];
	if (!make)
		return NULL;
	for (int i = 0; i < WAYS; i++) {
		double l = set[i].key[0] ? level(rl, &set[i], now_ms) : rl->burst + 1.0;
		if (l > best) {
			best = l;
			pick = &set[i];
		}
	}
	memset(pick->key, 0, sizeof(pick->key));
	memcpy(pick->key, key, strnlen(key, KEY_MAX - 1));
	pick->at_ms = now_ms;
	pick->tokens = rl->burst;
	return pick;
}

bool ratelimit_check(struct ratelimit *rl, const char *key, int64_t now_ms, unsigned *retry_s)
{
	char k[KEY_MAX] = {0};
	struct slot *sl;
	double l;

	if (!rl)
		return true;
	memcpy(k, key, strnlen(key, KEY_MAX - 1));
	sl = find(rl, k, now_ms, false);
	if (!sl)
		return true;
	l = level(rl, sl, now_ms);
	if (l >= 1.0)
		return true;
	if (retry_s) {
		double wait_ms = (1.0 - l) * rl->ms_per_token;
		unsigned s = (unsigned)(wait_ms / 1000.0);
		*retry_s = (double)s * 1000.0 < wait_ms ? s + 1 : s;
		if (*retry_s < 1)
			*retry_s = 1;
	}
	return false;
}

void ratelimit_take(struct ratelimit *rl, const char *key, int64_t now_ms)
{
	char k[KEY_MAX] = {0};
	struct slot *sl;
	double l;

	if (!rl)
		return;
	memcpy(k, key, strnlen(key, KEY_MAX - 1));
	sl = find(rl, k, now_ms, true);
	l = level(rl, sl, now_ms);
	sl->tokens = l >= 1.0 ? l - 1.0 : 0.0;
	sl->at_ms = now_ms;
}

int ratelimit_parse(const char *s, unsigned *burst, unsigned *period_s)
{
	char *end;
	unsigned long b, p;

	if (!s)
		return EINVAL;
	if (strcmp(s, "0") == 0 || strcmp(s, "off") == 0) {
		*burst = 0;
		*period_s = 0;
		return 0;
	}
	if (*s < '0' || *s > '9')
		return EINVAL;
	b = strtoul(s, &end, 10);
	if (*end != '/' || end[1] < '0' || end[1] > '9')
		return EINVAL;
	p = strtoul(end + 1, &end, 10);
	if (*end || b < 1 || b > 100000 || p < 1 || p > 7 * 86400)
		return EINVAL;
	*burst = (unsigned)b;
	*period_s = (unsigned)p;
	return 0;
}
