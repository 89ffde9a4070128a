/* Voice menus as the API receives them: JSON text, then the full check of keys, digits,
 * groups (which must exist in the demo municipality), prompts, timeouts and nesting. */
#include <jansson.h>

#include "base/valid.h"
#include "fuzz_db.h"
#include "tel/tel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tel_menu_ctx x = {.db = fuzz_db(true), .known = NULL, .arg = NULL};
	struct verrors e;
	json_t *menu;

	if (size > 65536)
		return 0;
	menu = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	if (!menu)
		return 0;
	valid_init(&e, data[0] & 1);
	(void)tel_menu_check(&x, menu, &e);
	valid_free(&e);
	json_decref(menu);
	return 0;
}
