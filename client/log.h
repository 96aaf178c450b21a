/* log.h -- levelled, tagged logging routed to the host's callback.  Internal.
 *
 * Subsystem tags: NET TUN PPP LCP IPCP CCP MPPE AUTH PPTP GRE L2TP IKE ESP DHCP.
 * Messages a person reads are sentences wrapped in _(); protocol traces are not.
 * Never pass a secret to any of these, at any level. */
#ifndef WV_LOG_H
#define WV_LOG_H

#include <stddef.h>
#include <stdint.h>
#include "wv.h"

struct wv_log {
	void (*fn)(void *arg, enum wv_log_level lvl, const char *subsys, const char *msg);
	void *arg;
	enum wv_log_level level;   /* messages above this level are dropped */
};

void wv_logf(const struct wv_log *lg, enum wv_log_level lvl, const char *subsys,
	     const char *fmt, ...) WV_PRINTF(4, 5);
/* Hex dump, only at TRACE. */
void wv_log_hex(const struct wv_log *lg, const char *subsys, const char *what,
		const uint8_t *buf, size_t len);
static inline bool wv_log_enabled(const struct wv_log *lg, enum wv_log_level lvl)
{
	return lg && lg->fn && lvl <= lg->level;
}

#define wv_err(lg, sub, ...) wv_logf(lg, WV_LOG_ERR, sub, __VA_ARGS__)
#define wv_info(lg, sub, ...) wv_logf(lg, WV_LOG_INFO, sub, __VA_ARGS__)
#define wv_dbg(lg, sub, ...) do { if (wv_log_enabled(lg, WV_LOG_DEBUG)) wv_logf(lg, WV_LOG_DEBUG, sub, __VA_ARGS__); } while (0)
#define wv_trace(lg, sub, ...) do { if (wv_log_enabled(lg, WV_LOG_TRACE)) wv_logf(lg, WV_LOG_TRACE, sub, __VA_ARGS__); } while (0)

#endif
