/* check.h -- the unit tests' tiny harness.  A test program runs its cases,
 * each CHECK failing prints where and what, and main returns check_done():
 * 0 when every check passed (automake's test driver counts programs). */
#ifndef WV_CHECK_H
#define WV_CHECK_H

#include <stdio.h>
#include <string.h>
#include <stdint.h>

static int check_failed, check_run;

#define CHECK(cond) do { \
	check_run++; \
	if (!(cond)) { \
		check_failed++; \
		fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
	} \
} while (0)

#define CHECK_MEM(a, b, n) do { \
	check_run++; \
	if (memcmp((a), (b), (n)) != 0) { \
		check_failed++; \
		fprintf(stderr, "%s:%d: CHECK_MEM failed: %s != %s\n", __FILE__, __LINE__, #a, #b); \
		check_hexdump("  got     ", (const uint8_t *)(a), (n)); \
		check_hexdump("  expected", (const uint8_t *)(b), (n)); \
	} \
} while (0)

#define CHECK_STR(a, b) do { \
	const char *check_a_ = (a), *check_b_ = (b); \
	check_run++; \
	if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) { \
		check_failed++; \
		fprintf(stderr, "%s:%d: CHECK_STR failed: \"%s\" != \"%s\"\n", __FILE__, __LINE__, \
			check_a_ ? check_a_ : "(null)", check_b_ ? check_b_ : "(null)"); \
	} \
} while (0)

static inline void check_hexdump(const char *what, const uint8_t *p, size_t n)
{
	size_t i;
	fprintf(stderr, "%s:", what);
	for (i = 0; i < n; i++)
		fprintf(stderr, " %02x", p[i]);
	fprintf(stderr, "\n");
}

/* Parses "01 02 ab" or "0102ab" into out; returns the byte count. */
static inline size_t check_unhex(const char *hex, uint8_t *out, size_t max)
{
	size_t n = 0;
	int hi = -1;
	for (; *hex && n < max; hex++) {
		int v;
		if (*hex >= '0' && *hex <= '9') v = *hex - '0';
		else if (*hex >= 'a' && *hex <= 'f') v = *hex - 'a' + 10;
		else if (*hex >= 'A' && *hex <= 'F') v = *hex - 'A' + 10;
		else continue;
		if (hi < 0) hi = v;
		else { out[n++] = (uint8_t)(hi << 4 | v); hi = -1; }
	}
	return n;
}

static inline int check_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, check_run, check_failed);
	return check_failed ? 1 : 0;
}

#endif
