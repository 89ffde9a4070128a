/* Audio a user uploads or the build speaks: base64 text, the WAV check of an announcement
 * upload, and the prompt decoder that reads NAME.wav into samples. */
#include <stdlib.h>
#include <string.h>

#include "tel/tel_int.h" /* first: libre headers have no include guards */
#include <re_mem.h>

#include "tel/tel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int16_t *samples = NULL;
	uint8_t *bytes = NULL;
	int64_t ms;
	size_t n;
	char *text;

	if (size > 1 << 20)
		return 0;
	(void)tel_wav_check(data, size, &ms);
	if (prompt_wav_decode(data, size, &samples, &n) == 0)
		mem_deref(samples); /* libre memory, as the prompt list holds it */
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (tel_base64_decode(text, &bytes, &n) == 0)
		free(bytes);
	free(text);
	return 0;
}
