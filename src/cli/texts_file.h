/* Texts (and optional labels) of a JSON Lines records file, for wsl train and wsl classify. */
#ifndef WSL_CLI_TEXTS_FILE_H
#define WSL_CLI_TEXTS_FILE_H

#include "cli.h"

/* A records file read for one text field and, optionally, one label field. */
typedef struct wsl_cli_texts {
    wsl_records *records;
    const char **texts;  /* n texts, borrowed from records */
    int32_t *labels;     /* n labels (-1 unknown) when a label field was asked for, else NULL */
    size_t n;
} wsl_cli_texts;

/*
 * Read path's text_field (every record must have it as a string) and, if label_field is not
 * NULL, its integer labels in -1..k-1 (absent = -1). Returns an exit code after printing what
 * is wrong (the file, the line).
 */
int wsl_cli_texts_read(const char *cmd, const char *path, const char *text_field,
                       const char *label_field, int32_t k, wsl_cli_texts *out);
void wsl_cli_texts_free(wsl_cli_texts *t);

#endif
