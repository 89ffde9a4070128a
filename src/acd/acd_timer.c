/* The ACD engine's deadlines: a binary min-heap of timers with lazy deletion. */
#include "acd/acd_int.h"

#include <errno.h>
#include <stdlib.h>

static bool before(const struct timer *x, const struct timer *y)
{
	return x->at < y->at || (x->at == y->at && x->token < y->token);
}

static void sift_up(struct timer *v, size_t i)
{
	struct timer t = v[i];

	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!before(&t, &v[p]))
			break;
		v[i] = v[p];
		i = p;
	}
	v[i] = t;
}

static void sift_down(struct timer *v, size_t n, size_t i)
{
	struct timer t = v[i];

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && before(&v[c + 1], &v[c]))
			c++;
		if (!before(&v[c], &t))
			break;
		v[i] = v[c];
		i = c;
	}
	v[i] = t;
}

int theap_reserve(struct theap *h, size_t more)
{
	size_t cap = h->cap ? h->cap : 64;
	struct timer *v;

	while (h->n + more > cap)
		cap *= 2;
	if (cap == h->cap)
		return 0;
	v = realloc(h->v, cap * sizeof(*v));
	if (!v)
		return ENOMEM;
	h->v = v;
	h->cap = cap;
	return 0;
}

void theap_push(struct theap *h, const struct timer *t)
{
	if (h->n == h->cap && theap_reserve(h, 1) != 0)
		return; /* out of memory: the timer is lost; callers reserve first */
	h->v[h->n] = *t;
	sift_up(h->v, h->n++);
}

void theap_pop(struct theap *h, struct timer *out)
{
	*out = h->v[0];
	h->v[0] = h->v[--h->n];
	if (h->n)
		sift_down(h->v, h->n, 0);
}

bool timer_is_live(const struct timer *t)
{
	if (t->kind < TIMER_CALL_KINDS)
		return ((const struct call *)t->obj)->t[t->kind] == t->token;
	if (t->kind == TIMER_WRAPUP)
		return ((const struct agent *)t->obj)->t_wrapup == t->token;
	if (t->kind == TIMER_AGENT_KICK)
		return ((const struct agent *)t->obj)->t_kick == t->token;
	return ((const struct group *)t->obj)->t_kick == t->token;
}

void theap_trim(struct theap *h)
{
	struct timer dead;

	/* Cancelled timers pile up (every answered call leaves its max-wait timer
	 * behind); rebuild in O(n) once they outnumber the live ones. */
	if (h->n > 256 && h->n > 2 * h->live) {
		size_t k = 0;
		for (size_t i = 0; i < h->n; i++)
			if (timer_is_live(&h->v[i]))
				h->v[k++] = h->v[i];
		h->n = k;
		for (size_t i = k / 2; i-- > 0;)
			sift_down(h->v, h->n, i);
	}
	while (h->n && !timer_is_live(&h->v[0]))
		theap_pop(h, &dead);
}

void theap_free(struct theap *h)
{
	free(h->v);
	h->v = NULL;
	h->n = h->cap = h->live = 0;
}
