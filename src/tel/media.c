/* RTP for one call leg: SDP offer/answer, a tone with comfort noise while the caller
 * waits, and the relay between the caller's and the agent's legs (media anchored here). */
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

#include "tel/tel_int.h" /* first: libre headers have no include guards */
#include <re_mem.h>
#include <re_rtp.h>
#include <re_sdp.h>
#include <re_sys.h>

#define FRAME_MS      20
#define FRAME_SAMPLES 160 /* 20 ms at 8 kHz */
#define RTP_PORT_MIN  10000
#define RTP_PORT_MAX  20000
#define TONE_HZ       425.0  /* the Swedish tone frequency */
#define TONE_AMPL     3000.0 /* about -21 dBm0: audible, not loud */
#define TONE_ON       10     /* frames of tone (200 ms) … */
#define TONE_CYCLE    150    /* … every 3 s; the rest is comfort noise */
#define NOISE_AMPL    24     /* comfort noise, well below speech */

struct media {
	struct rtp_sock *rtp;     /* our RTP socket (no RTCP in this slice) */
	struct sdp_session *sdp;  /* offer/answer state; owns sdpm */
	struct sdp_media *sdpm;   /* the audio stream, borrowed from sdp */
	struct sa raddr;          /* the remote side's RTP address; unset until SDP */
	int pt;                   /* agreed audio payload type, -1 before */
	bool alaw;                /* PCMA (else PCMU) */
	int te_pt;                /* the remote side's telephone-event type, -1 none */
	struct media *peer;       /* bridged leg (borrowed; each clears the other when freed) */
	struct tmr tmr;           /* 20 ms tone frames */
	uint32_t ts;              /* our RTP timestamp */
	bool marker;              /* set the marker bit on the next packet sent */
	double phase;             /* tone oscillator, radians */
	uint32_t frame;           /* frames sent, for the tone cadence */
	uint32_t seed;            /* comfort-noise generator */
	uint64_t rx, tx, relayed; /* counters, logged when the call ends */
};

static void destructor(void *arg)
{
	struct media *m = arg;

	tmr_cancel(&m->tmr);
	if (m->peer)
		m->peer->peer = NULL;
	mem_deref(m->rtp);
	mem_deref(m->sdp);
}

/* Forward what one side sends to the bridged side, translating payload types. */
static void recv_h(const struct sa *src, const struct rtp_header *hdr, struct mbuf *mb, void *arg)
{
	struct media *m = arg, *p = m->peer;
	uint8_t pt;

	(void)src;
	m->rx++;
	if (!p || p->pt < 0 || !sa_isset(&p->raddr, SA_ALL) || m->pt < 0)
		return;
	if (m->te_pt >= 0 && hdr->pt == m->te_pt) {
		if (p->te_pt < 0)
			return;
		pt = (uint8_t)p->te_pt;
	} else if (hdr->pt == m->pt) {
		if (m->alaw != p->alaw) {
			for (size_t i = mb->pos; i < mb->end; i++)
				mb->buf[i] = m->alaw ? g711_alaw_to_ulaw(mb->buf[i])
				                     : g711_ulaw_to_alaw(mb->buf[i]);
		}
		pt = (uint8_t)p->pt;
	} else {
		return; /* comfort noise (13) and the like are not passed on */
	}
	if (mb->pos < RTP_HEADER_SIZE)
		return;
	if (rtp_send(p->rtp, &p->raddr, false, hdr->m || p->marker, pt, hdr->ts, mb) == 0) {
		p->tx++;
		m->relayed++;
		p->marker = false;
	}
}

int media_alloc(struct media **mp, const struct sa *ip)
{
	struct media *m;
	int err;

	if (!mp || !ip)
		return EINVAL;
	m = mem_zalloc(sizeof(*m), destructor);
	if (!m)
		return ENOMEM;
	tmr_init(&m->tmr);
	m->pt = m->te_pt = -1;
	m->marker = true;
	m->seed = (uint32_t)rand_u32();
	m->ts = rand_u32();
	err = rtp_listen(&m->rtp, IPPROTO_UDP, ip, RTP_PORT_MIN, RTP_PORT_MAX, false, recv_h, NULL,
	                 m);
	if (err)
		goto out;
	err = sdp_session_alloc(&m->sdp, ip);
	if (err)
		goto out;
	err = sdp_media_add(&m->sdpm, m->sdp, "audio", sa_port(rtp_local(m->rtp)), "RTP/AVP");
	if (err)
		goto out;
	err = sdp_format_add(NULL, m->sdpm, false, "0", "PCMU", 8000, 1, NULL, NULL, NULL, false,
	                     NULL);
	err |= sdp_format_add(NULL, m->sdpm, false, "8", "PCMA", 8000, 1, NULL, NULL, NULL, false,
	                      NULL);
	err |= sdp_format_add(NULL, m->sdpm, false, "101", "telephone-event", 8000, 1, NULL, NULL,
	                      NULL, false, "0-15");
out:
	if (err)
		mem_deref(m);
	else
		*mp = m;
	return err;
}

/* After the remote SDP: the first audio codec both sides have, in the remote's order. */
static int choose(struct media *m)
{
	const struct list *rl = sdp_media_format_lst(m->sdpm, false);
	const struct sa *ra = sdp_media_raddr(m->sdpm);
	struct le *le;

	m->pt = m->te_pt = -1;
	for (le = rl ? rl->head : NULL; le; le = le->next) {
		const struct sdp_format *f = le->data;
		if (!f->sup || !f->name)
			continue;
		if (m->pt < 0 && (!strcasecmp(f->name, "PCMU") || !strcasecmp(f->name, "PCMA"))) {
			m->pt = f->pt;
			m->alaw = !strcasecmp(f->name, "PCMA");
		} else if (m->te_pt < 0 && !strcasecmp(f->name, "telephone-event")) {
			m->te_pt = f->pt;
		}
	}
	if (m->pt < 0 || !ra || !sa_isset(ra, SA_ALL))
		return EPROTO;
	sa_cpy(&m->raddr, ra);
	return 0;
}

int media_answer(struct media *m, struct mbuf *offer, struct mbuf **answer)
{
	int err;

	if (!m || !offer || !answer)
		return EINVAL;
	if (sdp_decode(m->sdp, offer, true) != 0)
		return EBADMSG;
	err = choose(m);
	if (err)
		return err;
	return sdp_encode(answer, m->sdp, false);
}

int media_offer(struct media *m, struct mbuf **offer)
{
	if (!m || !offer)
		return EINVAL;
	return sdp_encode(offer, m->sdp, true);
}

int media_accept(struct media *m, struct mbuf *answer)
{
	if (!m || !answer)
		return EINVAL;
	if (sdp_decode(m->sdp, answer, false) != 0)
		return EBADMSG;
	return choose(m);
}

static int16_t noise(struct media *m)
{
	m->seed = m->seed * 1103515245u + 12345u;
	return (int16_t)((int)((m->seed >> 16) % (2 * NOISE_AMPL + 1)) - NOISE_AMPL);
}

static void tone_tmr_h(void *arg)
{
	struct media *m = arg;
	struct mbuf *mb;
	bool on = m->frame % TONE_CYCLE < TONE_ON;

	tmr_start(&m->tmr, FRAME_MS, tone_tmr_h, m);
	mb = mbuf_alloc(RTP_HEADER_SIZE + FRAME_SAMPLES);
	if (!mb)
		return;
	mb->pos = mb->end = RTP_HEADER_SIZE;
	for (int i = 0; i < FRAME_SAMPLES; i++) {
		int16_t s = noise(m);
		if (on) {
			s = (int16_t)(s + TONE_AMPL * sin(m->phase));
			m->phase += 2 * M_PI * TONE_HZ / 8000.0;
			if (m->phase > 2 * M_PI)
				m->phase -= 2 * M_PI;
		}
		(void)mbuf_write_u8(mb, m->alaw ? g711_alaw_encode(s) : g711_ulaw_encode(s));
	}
	mb->pos = RTP_HEADER_SIZE;
	if (rtp_send(m->rtp, &m->raddr, false, m->marker, (uint8_t)m->pt, m->ts, mb) == 0) {
		m->tx++;
		m->marker = false;
	}
	m->ts += FRAME_SAMPLES;
	m->frame++;
	mem_deref(mb);
}

void media_tone(struct media *m, bool on)
{
	if (!m)
		return;
	if (!on || m->pt < 0 || !sa_isset(&m->raddr, SA_ALL)) {
		tmr_cancel(&m->tmr);
		return;
	}
	if (!tmr_isrunning(&m->tmr)) {
		m->frame = 0;
		m->marker = true;
		tmr_start(&m->tmr, 0, tone_tmr_h, m);
	}
}

void media_bridge(struct media *a, struct media *b)
{
	if (!a || !b || a == b)
		return;
	media_tone(a, false);
	media_tone(b, false);
	if (a->peer)
		a->peer->peer = NULL;
	if (b->peer)
		b->peer->peer = NULL;
	a->peer = b;
	b->peer = a;
	a->marker = b->marker = true;
}

void media_counts(const struct media *m, uint64_t *rx, uint64_t *tx, uint64_t *relayed)
{
	*rx = m ? m->rx : 0;
	*tx = m ? m->tx : 0;
	*relayed = m ? m->relayed : 0;
}

const char *media_codec(const struct media *m)
{
	if (!m || m->pt < 0)
		return "none";
	return m->alaw ? "PCMA" : "PCMU";
}
