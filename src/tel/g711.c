/* G.711 µ-law and A-law (ITU-T G.711): 16-bit linear samples to and from 8-bit codes. */
#include "tel/tel_int.h"

#define ULAW_BIAS 0x84
#define ULAW_CLIP 32635

uint8_t g711_ulaw_encode(int16_t s)
{
	int v = s, sign = 0, exp = 7, mant;

	if (v < 0) {
		sign = 0x80;
		v = -v;
	}
	if (v > ULAW_CLIP)
		v = ULAW_CLIP;
	v += ULAW_BIAS;
	/* The segment is the highest set bit among bits 7…14. */
	for (int mask = 0x4000; !(v & mask) && exp > 0; mask >>= 1)
		exp--;
	mant = (v >> (exp + 3)) & 0x0f;
	return (uint8_t) ~(sign | (exp << 4) | mant);
}

int16_t g711_ulaw_decode(uint8_t u)
{
	int exp, mant, v;

	u = (uint8_t)~u;
	exp = (u >> 4) & 0x07;
	mant = u & 0x0f;
	v = (((mant << 3) + ULAW_BIAS) << exp) - ULAW_BIAS;
	return (int16_t)((u & 0x80) ? -v : v);
}

uint8_t g711_alaw_encode(int16_t s)
{
	/* A-law works on 13 bits; the sign bit is set for positive values and even bits
	 * are inverted on the line (the 0x55 mask). */
	int v = s >> 3, mask, seg, code;

	if (v >= 0) {
		mask = 0xd5;
	} else {
		mask = 0x55;
		v = -v - 1;
	}
	for (seg = 0; seg < 8 && v > (0x20 << seg) - 1; seg++)
		;
	if (seg >= 8)
		return (uint8_t)(0x7f ^ mask);
	code = seg << 4;
	code |= seg < 2 ? (v >> 1) & 0x0f : (v >> seg) & 0x0f;
	return (uint8_t)(code ^ mask);
}

int16_t g711_alaw_decode(uint8_t a)
{
	int t, seg;

	a ^= 0x55;
	t = (a & 0x0f) << 4;
	seg = (a & 0x70) >> 4;
	if (seg == 0)
		t += 8;
	else
		t = (t + 0x108) << (seg - 1);
	return (int16_t)((a & 0x80) ? t : -t);
}

uint8_t g711_ulaw_to_alaw(uint8_t u)
{
	return g711_alaw_encode(g711_ulaw_decode(u));
}

uint8_t g711_alaw_to_ulaw(uint8_t a)
{
	return g711_ulaw_encode(g711_alaw_decode(a));
}
