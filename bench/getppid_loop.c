/* 1,000,000 getppid calls (or argv[1]): a syscall-bound loop. */
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000, s = 0;
	for (long i = 0; i < n; i++)
		s += syscall(SYS_getppid);
	return s == 0;
}
