/* Label models to and from files: the JSON document of serialize.c, written atomically. */
#include "model_impl.h"

#include "io/io_internal.h"

#include <string.h>

wsl_status wsl_label_model_save(const wsl_label_model *model, const char *path)
{
    wsl_buf buf = WSL_BUF_INIT;
    wsl__out o;
    wsl_status st;
    WSL_CHECK_ARG(model != NULL);
    WSL_CHECK_ARG(path != NULL);
    WSL_TRY(wsl_label_model_save_buf(model, &buf));
    memset(&o, 0, sizeof o);
    st = wsl__out_open(&o, __func__, path, &model->alloc);
    if (st == WSL_OK) {
        wsl__out_bytes(&o, buf.ptr, buf.size);
        wsl__out_char(&o, '\n');
        st = wsl__out_commit(&o);
    }
    if (st != WSL_OK)
        wsl__out_abort(&o);
    wsl_buf_dispose(&buf);
    return st;
}

wsl_status wsl_label_model_load(wsl_label_model **out, const char *path,
                                const wsl_allocator *alloc)
{
    wsl_allocator a = wsl__allocator(alloc);
    wsl__reader r;
    char *text = NULL;
    size_t len = 0;
    wsl_status st;
    WSL_CHECK_ARG(out != NULL);
    *out = NULL;
    WSL_CHECK_ARG(path != NULL);
    memset(&r, 0, sizeof r);
    WSL_TRY(wsl__reader_open_file(&r, __func__, path, &a));
    st = wsl__reader_slurp(&r, __func__, &text, &len);
    wsl__reader_close(&r);
    if (st != WSL_OK)
        return st;
    st = wsl_label_model_load_buf(out, text, len, &a);
    if (st == WSL_EFORMAT) {
        /* Name the file in the message. */
        char detail[400];
        snprintf(detail, sizeof detail, "%s", wsl_last_error());
        wsl__error(st, "%s: %s", path, detail);
    }
    wsl__free(&a, text);
    return st;
}
