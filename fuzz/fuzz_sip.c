/* SIP requests as they arrive over UDP: libre decodes the message, then Lotsen's check of
 * every request (mandatory headers once, CSeq, Max-Forwards, Content-Length, request-URI
 * scheme, From/To/Contact name-addr) and its Require collection run on it. */
#include "../src/tel/check.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sip_msg *msg = NULL;
	struct refusal r;
	struct mbuf *mb, *tags;

	if (size > 65536)
		return 0;
	mb = mbuf_alloc(size + 1);
	if (!mb)
		return 0;
	(void)mbuf_write_mem(mb, data, size);
	mb->pos = 0;
	if (sip_msg_decode(&msg, mb) == 0) {
		msg->tp = SIP_TRANSP_UDP;
		memset(&r, 0, sizeof(r));
		(void)check(msg, &r);
		tags = mbuf_alloc(128);
		if (tags) {
			(void)sip_msg_hdr_apply(msg, true, SIP_HDR_REQUIRE, require_collect, tags);
			mem_deref(tags);
		}
	}
	mem_deref(msg);
	mem_deref(mb);
	return 0;
}
