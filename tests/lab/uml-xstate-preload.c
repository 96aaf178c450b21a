/*
 * uml-xstate-preload.c -- LD_PRELOAD shim that lets Debian 12's UML kernel
 * (user-mode-linux 6.1, /usr/bin/linux.uml) run on hosts with a large XSAVE
 * area (AVX-512, AMX).
 *
 * Why: UML 6.1 moves a guest task's FPU state in and out of its host
 * process with PTRACE_GETREGSET / PTRACE_SETREGSET(NT_X86_XSTATE), using a
 * fixed buffer of sizeof(struct _xstate) (832 bytes: legacy area, header,
 * AVX).  The host kernel accepts a short buffer for GETREGSET but insists
 * that SETREGSET passes exactly the full user XSAVE size (several KiB with
 * AVX-512/AMX), otherwise it returns EFAULT.  The guest then dies at its
 * first exec: "userspace - ptrace set fp regs failed, errno = 14" and
 * "Kernel panic - Attempted to kill init!".  Upstream fixed this later by
 * sizing the buffer at run time (host_fp_size); Debian 12 has no such UML.
 *
 * What: intercept ptrace() in linux.uml and, for NT_X86_XSTATE only,
 *   GETREGSET: read the full host state into a private buffer remembered
 *              under UML's buffer address (one per guest task, because UML
 *              always uses the task's own register area), then give UML the
 *              prefix it asked for;
 *   SETREGSET: start from the full state remembered for that address (or,
 *              for a task never saved, the host process's current state),
 *              overlay UML's prefix and write the full size.
 * So every guest task keeps its complete register state, including the
 * AVX-512 parts UML does not know about.  Every other ptrace request goes
 * straight to libc.  Harmless on hosts where the sizes already agree.
 *
 * Built by tests/lab/uml.sh into $WINVPN_LAB_STATE; used only for linux.uml.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/uio.h>

#define XSTATE_NOTE 0x202           /* NT_X86_XSTATE */
#define XSTATE_MAX  (64 * 1024)     /* generous upper bound for the probe */
#define NSLOTS      8192            /* remembered tasks (open addressing) */

typedef long (*ptrace_fn)(int, pid_t, void *, void *);

static ptrace_fn real_ptrace;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static size_t host_size;                    /* full XSAVE size, learnt once */
static unsigned char scratch[XSTATE_MAX];   /* for tasks without a slot */
static struct slot { void *key; unsigned char *buf; } slots[NSLOTS];

/* The remembered full state for UML buffer KEY; NULL if none (or table full). */
static unsigned char *slot_get(void *key, int create)
{
    size_t h = ((uintptr_t)key >> 6) % NSLOTS;
    for (size_t i = 0; i < NSLOTS; i++) {
        struct slot *s = &slots[(h + i) % NSLOTS];
        if (s->key == key)
            return s->buf;
        if (s->key == NULL) {
            if (!create || (s->buf = calloc(1, host_size)) == NULL)
                return NULL;
            s->key = key;
            return s->buf;
        }
    }
    return NULL;
}

/* Read the full state of PID into BUF (host_size bytes, or XSTATE_MAX on the
 * very first call, which is how host_size is learnt). */
static long get_full(pid_t pid, unsigned char *buf)
{
    struct iovec iov = { buf, host_size ? host_size : XSTATE_MAX };
    long r = real_ptrace(PTRACE_GETREGSET, pid, (void *)XSTATE_NOTE, &iov);
    if (r == 0 && host_size == 0)
        host_size = iov.iov_len;
    return r;
}

static long xstate(int req, pid_t pid, struct iovec *uiov)
{
    unsigned char *full;
    size_t n;
    long r;

    if (host_size == 0) {                /* learn the size first */
        r = get_full(pid, scratch);
        if (r < 0)
            return r;
    }
    if (req == PTRACE_GETREGSET) {
        full = slot_get(uiov->iov_base, 1);
        if (full == NULL)
            full = scratch;
        r = get_full(pid, full);
        if (r < 0)
            return r;
        n = uiov->iov_len < host_size ? uiov->iov_len : host_size;
        memcpy(uiov->iov_base, full, n);
        uiov->iov_len = n;
        return 0;
    }
    /* PTRACE_SETREGSET */
    full = slot_get(uiov->iov_base, 0);
    if (full == NULL) {
        full = scratch;
        r = get_full(pid, full);
        if (r < 0)
            return r;
    }
    n = uiov->iov_len < host_size ? uiov->iov_len : host_size;
    memcpy(full, uiov->iov_base, n);
    struct iovec iov = { full, host_size };
    return real_ptrace(PTRACE_SETREGSET, pid, (void *)XSTATE_NOTE, &iov);
}

long ptrace(enum __ptrace_request req, ...)
{
    va_list ap;
    va_start(ap, req);
    pid_t pid = va_arg(ap, pid_t);
    void *addr = va_arg(ap, void *);
    void *data = va_arg(ap, void *);
    va_end(ap);

    if (real_ptrace == NULL)
        real_ptrace = (ptrace_fn)dlsym(RTLD_NEXT, "ptrace");
    if (real_ptrace == NULL) {
        errno = ENOSYS;
        return -1;
    }
    if ((req == PTRACE_GETREGSET || req == PTRACE_SETREGSET) &&
        (uintptr_t)addr == XSTATE_NOTE && data != NULL) {
        int saved;
        long r;
        pthread_mutex_lock(&lock);
        r = xstate(req, pid, data);
        saved = errno;
        pthread_mutex_unlock(&lock);
        errno = saved;
        return r;
    }
    return real_ptrace(req, pid, addr, data);
}
