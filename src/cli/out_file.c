#define _XOPEN_SOURCE 700 /* realpath */
#include "out_file.h"
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int io_fail(const char *cmd, const char *what, const char *path, int err)
{
    wsl_cli_errorf(cmd, "%s %s: %s", what, path, strerror(err));
    return WSL_EXIT_IO;
}

int wsl_cli_out_open(wsl_cli_out *o, const char *cmd, const char *path)
{
    struct stat sb, lsb;
    const char *slash, *base;
    size_t dir_len;
    mode_t mask, mode;
    int fd, exists;

    memset(o, 0, sizeof *o);
    exists = stat(path, &sb) == 0;
    if (exists && S_ISDIR(sb.st_mode))
        return io_fail(cmd, "cannot write", path, EISDIR);
    if (exists && !S_ISREG(sb.st_mode)) {
        /* A device or a FIFO: renaming over it would replace it. Write in place. */
        if (!(o->f = fopen(path, "wb")))
            return io_fail(cmd, "cannot open", path, errno);
        return WSL_EXIT_OK;
    }
    if (exists && lstat(path, &lsb) == 0 && S_ISLNK(lsb.st_mode))
        o->target = realpath(path, NULL); /* replace the file the link points to */
    else
        o->target = strdup(path);
    if (!o->target)
        return io_fail(cmd, "cannot resolve", path, errno ? errno : ENOMEM);
    slash = strrchr(o->target, '/');
    base = slash ? slash + 1 : o->target;
    dir_len = slash ? (size_t)(slash - o->target) + 1 : 0;
    o->tmp = malloc(dir_len + strlen(base) + 16);
    if (!o->tmp) {
        wsl_cli_out_abort(o);
        return io_fail(cmd, "cannot write", path, ENOMEM);
    }
    memcpy(o->tmp, o->target, dir_len);
    sprintf(o->tmp + dir_len, ".%s.XXXXXX", base);
    fd = mkstemp(o->tmp);
    if (fd < 0) {
        int err = errno;
        free(o->tmp);
        o->tmp = NULL;
        wsl_cli_out_abort(o);
        return io_fail(cmd, "cannot create a temporary file next to", path, err);
    }
    /* mkstemp makes the file 0600: give it the mode the target has, or a new file would get. */
    mask = umask(0);
    umask(mask);
    mode = exists ? (sb.st_mode & 07777) : (0666 & ~mask);
    if (fchmod(fd, mode) != 0 || !(o->f = fdopen(fd, "wb"))) {
        int err = errno;
        close(fd);
        wsl_cli_out_abort(o);
        return io_fail(cmd, "cannot open a temporary file for", path, err);
    }
    return WSL_EXIT_OK;
}

/* Make the rename durable: fsync the directory (best effort). */
static void sync_dir(const char *target)
{
    const char *slash = strrchr(target, '/');
    char *dir =
        slash ? strndup(target, slash == target ? 1 : (size_t)(slash - target)) : strdup(".");
    int fd = dir ? open(dir, O_RDONLY) : -1;
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(dir);
}

int wsl_cli_out_commit(wsl_cli_out *o, const char *cmd, const char *path)
{
    int err = 0;
    errno = 0;
    if (fflush(o->f) != 0 || ferror(o->f))
        err = errno ? errno : EIO;
    if (!err && o->tmp && fsync(fileno(o->f)) != 0)
        err = errno;
    errno = 0;
    if (fclose(o->f) != 0 && !err)
        err = errno ? errno : EIO;
    o->f = NULL;
    if (err) {
        wsl_cli_out_abort(o);
        return io_fail(cmd, "cannot write", path, err);
    }
    if (o->tmp && rename(o->tmp, o->target) != 0) {
        err = errno;
        wsl_cli_out_abort(o);
        return io_fail(cmd, "cannot rename a temporary file onto", path, err);
    }
    free(o->tmp);
    o->tmp = NULL;
    if (o->target)
        sync_dir(o->target);
    wsl_cli_out_abort(o);
    return WSL_EXIT_OK;
}

void wsl_cli_out_abort(wsl_cli_out *o)
{
    if (o->f)
        fclose(o->f);
    if (o->tmp)
        unlink(o->tmp);
    free(o->tmp);
    free(o->target);
    memset(o, 0, sizeof *o);
}
