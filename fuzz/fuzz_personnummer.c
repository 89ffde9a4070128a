/* Personnummer and samordningsnummer as typed into a case: every accepted form, the
 * century from today's date, the Luhn digit, then the masked form of what was accepted. */
#include <stdlib.h>
#include <string.h>

#include "base/calendar.h"
#include "core/personnummer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct date today = {2026, 11, 23};
	enum pnr_error why;
	char in[64], out[13], masked[14];

	if (size >= sizeof(in))
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	if (pnr_parse(in, &today, out, &why) == 0) {
		(void)pnr_is_coordination(out);
		pnr_mask(out, masked);
	} else {
		(void)pnr_error_text(why, "sv");
		(void)pnr_error_text(why, "en");
	}
	return 0;
}
