/*
 * main() for the replay build of a fuzz target: runs LLVMFuzzerTestOneInput over every file
 * given, or every file in the directories given (one level), and prints how many it ran.
 * A directory that does not exist is skipped (a target may have no regressions yet).
 */
#include "harness.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0;
    if (!f) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return -1;
    }
    for (;;) {
        size_t got;
        if (len == cap) {
            unsigned char *p;
            cap = cap ? cap * 2 : 4096;
            p = realloc(buf, cap);
            if (!p) {
                fclose(f);
                free(buf);
                return -1;
            }
            buf = p;
        }
        got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    size_t ran = 0;
    for (int a = 1; a < argc; a++) {
        struct stat sb;
        if (stat(argv[a], &sb) != 0)
            continue;
        if (S_ISDIR(sb.st_mode)) {
            DIR *d = opendir(argv[a]);
            struct dirent *e;
            if (!d)
                return 1;
            while ((e = readdir(d)) != NULL) {
                char p[4096];
                struct stat fs;
                snprintf(p, sizeof p, "%s/%s", argv[a], e->d_name);
                if (e->d_name[0] == '.' || stat(p, &fs) != 0 || !S_ISREG(fs.st_mode))
                    continue;
                if (run_file(p) != 0)
                    return 1;
                ran++;
            }
            closedir(d);
        } else {
            if (run_file(argv[a]) != 0)
                return 1;
            ran++;
        }
    }
    printf("replayed %zu inputs\n", ran);
    return ran > 0 ? 0 : 1;
}
