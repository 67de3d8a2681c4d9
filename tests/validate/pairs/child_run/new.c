/* runchild: run two child programs on data.txt (a checksum, then a listing of a file
 * that does not exist) and report their exit statuses; their output goes straight to
 * our stdout/stderr.  Correct translation of orig.py (fork + execv + waitpid). */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static int run(char *const argv[])
{
	int st;
	pid_t pid;

	printf("$");
	for (int i = 0; argv[i]; i++)
		printf(" %s", argv[i]);
	printf("\n");
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return -1;
	}
	if (pid == 0) {
		execv(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0) {
		perror("waitpid");
		return -1;
	}
	st = WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
	printf("exit status %d\n", st);
	fflush(stdout);
	return st;
}

int main(void)
{
	char *cksum[] = {"/usr/bin/cksum", "data.txt", NULL};
	char *ls[] = {"/usr/bin/ls", "-l", "no-such-file", NULL};

	run(cksum);
	run(ls);
	return 0;
}
