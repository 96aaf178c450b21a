/* secret.c -- reading passwords without them touching argv, the environment
 * or a log: from a file descriptor, or from the terminal with echo off. */
#include "wv.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"

#define SECRET_MAX 1024

char *cli_read_secret_fd(int fd, const char **err)
{
	char *buf = malloc(SECRET_MAX);
	size_t n = 0;

	if (!buf) {
		*err = _("out of memory");
		return NULL;
	}
	/* One byte at a time: stop at the newline and leave the rest unread. */
	while (n < SECRET_MAX - 1) {
		char c;
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || c == '\n')
			break;
		buf[n++] = c;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	if (n == SECRET_MAX - 1) {
		wv_free_secret(buf);
		*err = _("the password is too long");
		return NULL;
	}
	return buf;
}

char *cli_prompt_secret(const char *prompt, const char **err)
{
	struct termios old, quiet;
	char *s;
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		*err = _("no terminal to ask for the password on; use --passwd-on-stdin or --passwd-fd");
		return NULL;
	}
	if (write(fd, prompt, strlen(prompt)) < 0) {
		/* nothing to do: the read below still works */
	}
	if (tcgetattr(fd, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ECHONL;
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	s = cli_read_secret_fd(fd, err);
	tcsetattr(fd, TCSAFLUSH, &old);
	close(fd);
	return s;
}
