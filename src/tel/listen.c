/* Listening in: a coach hears a bridged call, caller and agent mixed, one way. */
#include <errno.h>

#include "tel/tel_int.h" /* first: libre headers have no include guards */

#include "tel/tel.h"

int tel_listen(struct tel *t, int64_t call_id, uint32_t coach, const char *uri)
{
	(void)t;
	(void)call_id;
	(void)coach;
	(void)uri;
	return ENOENT;
}
