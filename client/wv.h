/* wv.h -- small things every engine file uses.  Internal. */
#ifndef WV_H
#define WV_H

#include "config.h"
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "libwinvpn.h"

#ifdef ENABLE_NLS
#include <libintl.h>
#define _(s) dgettext(GETTEXT_PACKAGE, s)
#else
#define _(s) (s)
#endif
#define N_(s) (s)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define WV_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define WV_UNUSED __attribute__((unused))

#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#endif

/* A malloc'd formatted string (NULL when out of memory). */
char *wv_strdupf(const char *fmt, ...) WV_PRINTF(1, 2);

/* Wipes secrets; the compiler may not drop it. */
void wv_wipe(void *p, size_t n);
/* Frees a NUL-terminated secret after wiping it; NULL is fine. */
void wv_free_secret(char *s);

#endif
