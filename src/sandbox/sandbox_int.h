/* sandbox_int.h - what the files of src/sandbox/ share. */
#ifndef SD_SANDBOX_INT_H
#define SD_SANDBOX_INT_H

#include "sandbox/sandbox.h"

#define SD_VIEW_NDEVS 6

/* The view the init builds (view.c). */
struct sd_view {
	const struct sd_sandbox_plan *plan;
	int *fds;                   /* O_PATH of each mount of the plan, until pivot */
	int devfds[SD_VIEW_NDEVS];  /* O_PATH of the devices /dev offers (-1: missing) */
	const char *scratch_path;   /* where the layers' tmpfs was mounted before pivot */
	int scratch;                /* the layers' tmpfs */
	struct sd_layer *layers;    /* the overlays, for reading the changes (paths owned) */
	size_t nlayers, caplayers;
	char **skeletons;           /* skeleton tmpfs mounts, made read-only at the end */
	size_t nskeletons;
	bool dev_made, dev_shm;     /* /dev built; /dev/shm overlaid in it */
};

/* In the new namespaces: build the view of the plan (a tmpfs of layer_bytes for the
 * layers) and enter it.  0, or -1 with *err. */
int sd_view_build(struct sd_view *v, const struct sd_sandbox_plan *p, uint64_t layer_bytes,
		  char **err);
/* The layers' tmpfs is (nearly) full. */
bool sd_view_full(const struct sd_view *v);

/* Drop the capabilities that reach past the namespaces (caps.c).  0 or -1 (errno). */
int sd_drop_caps(void);

#endif
