#include "texts_file.h"

#include <stdlib.h>
#include <string.h>

int wsl_cli_texts_read(const char *cmd, const char *path, const char *text_field,
                       const char *label_field, int32_t k, wsl_cli_texts *out)
{
    const char *fields[2];
    size_t n_fields = 1;
    wsl_status st;
    memset(out, 0, sizeof *out);
    fields[0] = text_field;
    if (label_field) {
        if (strcmp(label_field, text_field) == 0) {
            wsl_cli_errorf(cmd, "the text field and the label field are both '%s'", text_field);
            return WSL_EXIT_USAGE;
        }
        fields[n_fields++] = label_field;
    }
    if ((st = wsl_records_read(&out->records, path, fields, n_fields, NULL)))
        return wsl_cli_fail(cmd, st);
    out->n = wsl_records_count(out->records);
    out->texts = malloc((out->n ? out->n : 1) * sizeof *out->texts);
    out->labels = label_field ? malloc((out->n ? out->n : 1) * sizeof *out->labels) : NULL;
    if (!out->texts || (label_field && !out->labels)) {
        wsl_cli_errorf(cmd, "out of memory for %zu records", out->n);
        wsl_cli_texts_free(out);
        return WSL_EXIT_INPUT;
    }
    if ((st = wsl_records_texts(out->records, 0, out->texts, out->n)) ||
        (label_field && (st = wsl_records_labels(out->records, 1, k, out->labels, out->n)))) {
        wsl_cli_texts_free(out);
        return wsl_cli_fail(cmd, st);
    }
    return WSL_EXIT_OK;
}

void wsl_cli_texts_free(wsl_cli_texts *t)
{
    free(t->texts);
    free(t->labels);
    wsl_records_free(t->records);
    memset(t, 0, sizeof *t);
}
