/* fschanges.h - every path a sandboxed run changed, read from the upper layers of its
 * overlays.
 *
 * (How two runs' changes compare is validate's business: validate/state.h.)
 *
 * Each writable mount of the sandbox is an overlay: the real mount as a read-only lower
 * layer and a private upper layer that receives every write.  After the run the upper
 * layers are exactly what the run did: a file or directory there was created or
 * changed (or only copied up: equal to the lower, not a change), a whiteout (a 0/0
 * character device) is a deletion, an opaque directory replaced the lower one whole.
 * Paths are the ones the program saw (the mount's path joined with the path in the
 * layer), never a scratch path.
 *
 * Timestamps: a run's time interval is [t0, t1] (CLOCK_REALTIME).  A time equal to the
 * lower's is unchanged; one inside the interval (with a little slack for the kernel's
 * coarse clock: SD_FS_SLACK_NS) merely records "now" and is not compared; any other
 * was set by the program (utimensat with a given time, cp -p, a rename of a file made
 * before the run) and is compared, except an upper time older than a lower time that
 * itself changed after t0: the real file was written outside the run meanwhile (a
 * parallel job writing next to the starting directory), and the upper holds what the
 * copy-up took from it.
 *
 * A layer's root is compared too (listed at the layer's path when it differs).  The
 * overlay shows the upper directory's mode and owner there, so the upper directory
 * must be given the lower root's, and t0 must be taken before it is made (or it be
 * given the lower root's times), else every run lists the root as changed.
 *
 * The overlays must be mounted without metacopy and redirect_dir (userxattr implies
 * both): a metacopy file or a redirected directory is reported in error. */
#ifndef SD_FSCHANGES_H
#define SD_FSCHANGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a path is, before or after the run. */
struct sd_fsentry {
	char type;             /* 'f' file, 'd' directory, 'l' symlink, 'p' fifo, 's' socket,
				  'c' character device, 'b' block device; 0: absent */
	uint32_t mode;         /* permission bits (07777) */
	uint32_t uid, gid;
	uint64_t size;         /* files */
	uint64_t hash;         /* files: XXH64 of the content (0 when not needed: a file
				  deleted, or before a change of size); symlinks: of the
				  target */
	char *target;          /* symlinks (NULL when it could not be read) */
	uint64_t rdev;         /* devices */
	int64_t mtime_ns, atime_ns;
	unsigned char *data;   /* files: the first ndata bytes, for the report's diff (at
				  most SD_FS_KEEP; NULL when not kept or ndata is 0).  Kept
				  for after, and for before when the content changed */
	size_t ndata;
};

#define SD_FS_KEEP (64u << 10)        /* bytes of a changed file kept for the report */
#define SD_FS_KEEP_TOTAL (16u << 20)  /* bytes kept over all files of one run */
#define SD_FS_MAX 200000              /* changes listed per run; the rest are counted */
#define SD_FS_DEPTH 4096              /* directory levels read; deeper ones are an error */
#define SD_FS_SLACK_NS 1000000000LL   /* around [t0, t1]: times still "now" */
#define SD_FS_HASH_MAX (64ull << 30)  /* bytes of one file hashed (holes cost no reads) */

enum sd_fstime { SD_TIME_UNCHANGED, SD_TIME_NOW, SD_TIME_SET };

/* One path the run changed. */
struct sd_fschange {
	char *path;                   /* absolute, as the program saw it */
	struct sd_fsentry before;     /* type 0: did not exist before the run */
	struct sd_fsentry after;      /* type 0: deleted */
	enum sd_fstime mtime, atime;  /* how after's times came to be (unchanged when
					 deleted) */
};

struct sd_fschanges {
	struct sd_fschange *c;        /* sorted by path */
	size_t n;
	size_t dropped;               /* changes past SD_FS_MAX, not listed */
	char *error;                  /* the first path that could not be read, and why
					 (NULL: the list is complete) */
};

/* One overlay of the sandbox: where the program saw it, and open directories of its
 * upper and lower layers (O_RDONLY|O_DIRECTORY). */
struct sd_layer {
	const char *path;             /* "/", "/tmp", "/dev/shm", ... */
	int upper, lower;
	bool userxattr;               /* overlay xattrs are user.overlay.* (user namespace) */
};

/* Read what the run changed from the layers (the run is over: nothing writes to them).
 * Never fails: problems end up in out->error.  Each directory is read in name order,
 * so which changes fit under the bounds depends only on the trees. */
void sd_fschanges_collect(const struct sd_layer *layers, size_t n, int64_t t0_ns,
			  int64_t t1_ns, struct sd_fschanges *out);
void sd_fschanges_free(struct sd_fschanges *c);

/* Write to / read from an open file (the run's process hands them to validate); the
 * form is described in fschanges_io.c.  Load reads the whole file (from its start,
 * whatever its offset; a read error ends it, and the list is then not whole) and accepts
 * only a whole, well-formed list (sorted, within the bounds above).  0, or -1 with
 * errno (EINVAL: not a change list; EFBIG: larger than 1 GiB); c is empty on failure. */
int sd_fschanges_save(const struct sd_fschanges *c, int fd);
int sd_fschanges_load(struct sd_fschanges *c, int fd);

#endif
