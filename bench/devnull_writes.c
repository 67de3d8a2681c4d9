/* 200,000 16-byte writes to /dev/null (or argv[1] writes). */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 200000;
	int fd = open("/dev/null", O_WRONLY);
	if (fd < 0)
		return 1;
	for (long i = 0; i < n; i++)
		if (write(fd, "0123456789abcdef", 16) != 16)
			return 2;
	close(fd);
	return 0;
}
