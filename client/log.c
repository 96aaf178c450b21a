/* log.c -- formats a message and hands it to the host's log callback. */
#include "wv.h"

#include <stdarg.h>
#include <stdio.h>

#include "log.h"

void wv_logf(const struct wv_log *lg, enum wv_log_level lvl, const char *subsys,
	     const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!wv_log_enabled(lg, lvl))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	lg->fn(lg->arg, lvl, subsys, msg);
}

char *wv_strdupf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

void wv_log_hex(const struct wv_log *lg, const char *subsys, const char *what,
		const uint8_t *buf, size_t len)
{
	char line[16 * 3 + 1];
	size_t off, i;

	if (!wv_log_enabled(lg, WV_LOG_TRACE))
		return;
	wv_logf(lg, WV_LOG_TRACE, subsys, "%s (%zu octets)", what, len);
	for (off = 0; off < len; off += 16) {
		size_t n = MIN(len - off, (size_t)16);
		for (i = 0; i < n; i++)
			snprintf(line + 3 * i, 4, " %02x", buf[off + i]);
		wv_logf(lg, WV_LOG_TRACE, subsys, "  %04zx:%s", off, line);
	}
}
