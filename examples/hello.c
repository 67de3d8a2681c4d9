/* hello.c - the bundled demo program: a few file operations and a greeting.
 * Built with -DREWRITE_BUG it is a "rewrite" that lost a comma, for the compare demo. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
#ifdef REWRITE_BUG
	const char msg[] = "Hello World!\n";
#else
	const char msg[] = "Hello, World!\n";
#endif
	int fd = open("hello-demo.txt", O_WRONLY | O_CREAT | O_TRUNC, 0666);
	if (fd < 0)
		return 1;
	if (write(fd, msg, strlen(msg)) != (ssize_t)strlen(msg))
		return 1;
	close(fd);
	rename("hello-demo.txt", "hello-demo.old");
	unlink("hello-demo.old");
	printf("%s", msg);
	return 0;
}
