/* Containers for the ACD engine: the uint64 → pointer hash map and the growable FIFO ring. */
#include "acd/acd_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- hash map: linear probing, backward-shift deletion (no tombstones) --- */

static size_t slot_of(uint64_t key, size_t cap)
{
	/* Fibonacci hashing spreads sequential ids over the whole table. */
	return (size_t)((key * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & (cap - 1);
}

static int grow(struct u64map *m, size_t cap)
{
	struct u64map_slot *old = m->slots, *s = calloc(cap, sizeof(*s));
	size_t ocap = m->cap;

	if (!s)
		return ENOMEM;
	m->slots = s;
	m->cap = cap;
	for (size_t i = 0; i < ocap; i++) {
		if (!old[i].key)
			continue;
		size_t j = slot_of(old[i].key, cap);
		while (s[j].key)
			j = (j + 1) & (cap - 1);
		s[j] = old[i];
	}
	free(old);
	return 0;
}

int u64map_reserve(struct u64map *m, size_t more)
{
	size_t cap = m->cap ? m->cap : 16;

	while ((m->n + more) * 2 > cap)
		cap *= 2;
	return cap == m->cap ? 0 : grow(m, cap);
}

void *u64map_get(const struct u64map *m, uint64_t key)
{
	if (!m->cap || !key)
		return NULL;
	for (size_t i = slot_of(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (m->slots[i].key == key)
			return m->slots[i].val;
		if (!m->slots[i].key)
			return NULL;
	}
}

void u64map_put(struct u64map *m, uint64_t key, void *val)
{
	size_t i = slot_of(key, m->cap);

	while (m->slots[i].key && m->slots[i].key != key)
		i = (i + 1) & (m->cap - 1);
	if (!m->slots[i].key)
		m->n++;
	m->slots[i].key = key;
	m->slots[i].val = val;
}

void u64map_del(struct u64map *m, uint64_t key)
{
	size_t mask = m->cap - 1, i, j;

	if (!m->cap)
		return;
	for (i = slot_of(key, m->cap); m->slots[i].key != key; i = (i + 1) & mask)
		if (!m->slots[i].key)
			return;
	/* Shift later members of the probe run back so lookups never stop early. */
	for (j = (i + 1) & mask; m->slots[j].key; j = (j + 1) & mask) {
		size_t home = slot_of(m->slots[j].key, m->cap);
		bool movable = (i <= j) ? (home <= i || home > j) : (home <= i && home > j);

		if (movable) {
			m->slots[i] = m->slots[j];
			i = j;
		}
	}
	m->slots[i].key = 0;
	m->slots[i].val = NULL;
	m->n--;
}

void u64map_free(struct u64map *m)
{
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

/* ---- ring --------------------------------------------------------------- */

int ring_reserve(struct ring *r, size_t more)
{
	size_t cap = r->cap ? r->cap : 64;
	unsigned char *b;

	while (r->n + more > cap)
		cap *= 2;
	if (cap == r->cap)
		return 0;
	b = malloc(cap * r->size);
	if (!b)
		return ENOMEM;
	/* Unwrap into the new buffer so the oldest item is at index 0. */
	for (size_t i = 0; i < r->n; i++)
		memcpy(b + i * r->size, r->buf + ((r->head + i) & (r->cap - 1)) * r->size, r->size);
	free(r->buf);
	r->buf = b;
	r->cap = cap;
	r->head = 0;
	return 0;
}

void ring_push(struct ring *r, const void *item)
{
	if (r->n == r->cap && ring_reserve(r, 1) != 0)
		return;
	memcpy(r->buf + ((r->head + r->n) & (r->cap - 1)) * r->size, item, r->size);
	r->n++;
}

bool ring_pop(struct ring *r, void *out)
{
	if (!r->n)
		return false;
	memcpy(out, r->buf + r->head * r->size, r->size);
	r->head = (r->head + 1) & (r->cap - 1);
	r->n--;
	return true;
}

void ring_free(struct ring *r)
{
	free(r->buf);
	r->buf = NULL;
	r->cap = r->n = r->head = 0;
}
