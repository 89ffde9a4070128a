/* `lotsen kb import`: a Markdown file with its front matter (title, kind, groups, tags,
 * dates …) read into an article, against the demo municipality's groups and clients. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fuzz_db.h"
#include "kb/kb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kb_io_error e;
	json_t *art = NULL;
	char *text;

	if (size > 65536)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&e, 0, sizeof(e));
	if (kb_import_text(fuzz_db(true), "fuzz.md", text, &art, &e) == 0)
		json_decref(art);
	free(text);
	return 0;
}
