/* Knowledge-base Markdown: to sanitized HTML, to plain text for the index, and the line
 * diff between versions (the input split at its first NUL into old and new). */
#include <stdlib.h>
#include <string.h>

#include "kb/kb.h"
#include "kb/kb_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *md, *out = NULL;
	size_t n;

	if (size > 65536)
		return 0;
	md = malloc(size + 1);
	if (!md)
		return 0;
	memcpy(md, data, size);
	md[size] = '\0';
	if (kb_markdown_html(md, &out) == 0)
		free(out);
	out = NULL;
	if (kb_markdown_text(md, &out) == 0)
		free(out);
	out = NULL;
	n = strlen(md);
	if (n < size && kb_diff_text(md, md + n + 1, "a", "b", &out) == 0)
		free(out);
	free(md);
	return 0;
}
