/* suspend-shim.c -- LD_PRELOAD for the client in session-keep.sh: makes the
 * process see the machine as suspended for as many seconds as the file named
 * by $WINVPN_TEST_SUSPEND_FILE says, by putting CLOCK_BOOTTIME that far ahead
 * (CLOCK_BOOTTIME counts suspended time, CLOCK_MONOTONIC does not).  The test
 * cannot suspend the machine it runs on; everything else is real. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long suspended_s(void)
{
	const char *path = getenv("WINVPN_TEST_SUSPEND_FILE");
	long s = 0;
	FILE *f;

	if (!path || !(f = fopen(path, "re")))
		return 0;
	if (fscanf(f, "%ld", &s) != 1)
		s = 0;
	fclose(f);
	return s;
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
	static int (*real)(clockid_t, struct timespec *);
	int r;

	if (!real)
		real = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
	r = real(id, ts);
	if (r == 0 && id == CLOCK_BOOTTIME)
		ts->tv_sec += suspended_s();
	return r;
}
