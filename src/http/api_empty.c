/* Route tables of modules that add their endpoints later start out empty here. */
#include "http/http_int.h"

const struct route api_public_routes[] = {{NULL, NULL, 0, NULL}};
