/* Coverage of a day (as GET /api/v1/coverage shows it) as a file for Swedish Excel: CSV
 * (UTF-8 with BOM, `;`, decimal comma) or XLSX (libxlsxwriter). */
#ifndef LOTSEN_WFM_WFM_EXPORT_H
#define LOTSEN_WFM_WFM_EXPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The file's bytes in *buf (malloc'ed, *n of them); headings in English when `en`.
 * 0, ENOMEM, or EIO (the XLSX's temporary file). */
int wfm_coverage_csv(const json_t *coverage, bool en, char **buf, size_t *n);
int wfm_coverage_xlsx(const json_t *coverage, bool en, char **buf, size_t *n);

#endif
