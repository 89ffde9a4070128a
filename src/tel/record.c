/* Call recording: both legs of a bridged call mixed into one 8 kHz mono 16-bit WAV file,
 * paced by the clock so the file is as long as the recording ran. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tel/tel_int.h" /* first: libre headers have no include guards */
#include <re_mem.h>

#define FRAME    160  /* samples per 20 ms frame */
#define QMAX     8000 /* samples waiting per side (1 s); more is dropped (a late leg) */
#define HDR_SIZE 44

struct recorder {
	FILE *f;               /* the WAV file while open */
	uint64_t start;        /* tmr_jiffies() when recording began */
	uint64_t frames;       /* frames written */
	int16_t q[2][QMAX];    /* samples received from each side, not yet written */
	size_t qn[2];          /* how many */
	struct tmr tmr;        /* writes the frames that are due */
	recorder_sink_h *sink; /* instead of a file: each mixed frame goes here (listening in) */
	void *sink_arg;
};

static void put_le(uint8_t *p, uint32_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void header(uint8_t h[HDR_SIZE], uint32_t data_bytes)
{
	memcpy(h, "RIFF", 4);
	put_le(h + 4, 36 + data_bytes, 4);
	memcpy(h + 8, "WAVEfmt ", 8);
	put_le(h + 16, 16, 4);   /* fmt chunk size */
	put_le(h + 20, 1, 2);    /* PCM */
	put_le(h + 22, 1, 2);    /* mono */
	put_le(h + 24, 8000, 4); /* rate */
	put_le(h + 28, 16000, 4);
	put_le(h + 32, 2, 2); /* block align */
	put_le(h + 34, 16, 2);
	memcpy(h + 36, "data", 4);
	put_le(h + 40, data_bytes, 4);
}

/* Write the frames due by now (or by `until`), mixing what each side sent; silence where a
 * side sent nothing. */
static void write_due(struct recorder *r, uint64_t now)
{
	uint64_t due = (now - r->start) / 20;

	while ((r->f || r->sink) && r->frames < due) {
		uint8_t out[FRAME * 2];
		int16_t mix[FRAME];
		for (size_t i = 0; i < FRAME; i++) {
			int32_t v = 0;
			for (int s = 0; s < 2; s++)
				if (i < r->qn[s])
					v += r->q[s][i];
			if (v > 32767)
				v = 32767;
			if (v < -32768)
				v = -32768;
			mix[i] = (int16_t)v;
			put_le(out + 2 * i, (uint32_t)(uint16_t)(int16_t)v, 2);
		}
		for (int s = 0; s < 2; s++) {
			size_t k = r->qn[s] < FRAME ? r->qn[s] : FRAME;
			memmove(r->q[s], r->q[s] + k, (r->qn[s] - k) * sizeof(int16_t));
			r->qn[s] -= k;
		}
		if (r->sink) {
			r->frames++;
			r->sink(mix, FRAME, r->sink_arg); /* may not free r: it is borrowed there */
			continue;
		}
		if (fwrite(out, 1, sizeof(out), r->f) != sizeof(out))
			break;
		r->frames++;
	}
}

static void tick_h(void *arg)
{
	struct recorder *r = arg;

	write_due(r, tmr_jiffies());
	tmr_start(&r->tmr, 20, tick_h, r);
}

static void finish(struct recorder *r)
{
	uint8_t h[HDR_SIZE];

	tmr_cancel(&r->tmr);
	if (!r->f)
		return;
	write_due(r, tmr_jiffies());
	header(h, (uint32_t)(r->frames * FRAME * 2));
	if (fseek(r->f, 0, SEEK_SET) == 0)
		(void)fwrite(h, 1, sizeof(h), r->f);
	(void)fclose(r->f);
	r->f = NULL;
}

static void destructor(void *arg)
{
	finish(arg);
}

int recorder_alloc(struct recorder **rp, const char *path)
{
	struct recorder *r;
	uint8_t h[HDR_SIZE];

	if (!rp || !path)
		return EINVAL;
	r = mem_zalloc(sizeof(*r), destructor);
	if (!r)
		return ENOMEM;
	tmr_init(&r->tmr);
	r->f = fopen(path, "wb");
	if (!r->f) {
		int err = errno ? errno : EIO;
		mem_deref(r);
		return err;
	}
	header(h, 0);
	if (fwrite(h, 1, sizeof(h), r->f) != sizeof(h)) {
		mem_deref(r);
		return EIO;
	}
	r->start = tmr_jiffies();
	tmr_start(&r->tmr, 20, tick_h, r);
	*rp = r;
	return 0;
}

void recorder_feed(struct recorder *r, int side, const int16_t *s, size_t n)
{
	if (!r || side < 0 || side > 1)
		return;
	if (n > QMAX - r->qn[side])
		n = QMAX - r->qn[side];
	memcpy(r->q[side] + r->qn[side], s, n * sizeof(int16_t));
	r->qn[side] += n;
}

int recorder_alloc_sink(struct recorder **rp, recorder_sink_h *sink, void *arg)
{
	struct recorder *r;

	if (!rp || !sink)
		return EINVAL;
	r = mem_zalloc(sizeof(*r), destructor);
	if (!r)
		return ENOMEM;
	tmr_init(&r->tmr);
	r->sink = sink;
	r->sink_arg = arg;
	r->start = tmr_jiffies();
	tmr_start(&r->tmr, 20, tick_h, r);
	*rp = r;
	return 0;
}

int64_t recorder_stop(struct recorder *r)
{
	if (!r)
		return 0;
	finish(r);
	return (int64_t)(r->frames * 20);
}
