/* path.h - lexical path arithmetic, without touching the file system. */
#ifndef SD_PATH_H
#define SD_PATH_H

/* Resolve path against base (absolute dir) and normalize "." and ".." lexically.
 * Returns a malloc'd absolute path, or NULL if base is NULL and path is relative. */
char *sd_path_absolute(const char *base, const char *path);

#endif
