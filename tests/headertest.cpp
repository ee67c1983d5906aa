// The public headers compile as C++ and declare C linkage.
#include <wsl/wsl.h>

// A plugin written in C++: WSL_PLUGIN gives the table C linkage.
static int32_t headertest_lf(const wsl_lf_input *in, void *)
{
    return wsl_record_string(static_cast<const wsl_record *>(in->record), "text") ? 1
                                                                                  : WSL_ABSTAIN;
}
static const char *const headertest_classes[] = {"no", "yes"};
static const wsl_plugin_lf headertest_lfs[] = {WSL_LF(headertest_lf)};
WSL_PLUGIN(headertest_classes, headertest_lfs);

int wsl_headertest_cpp();
int wsl_headertest_cpp()
{
    wsl_label_matrix *L = nullptr;
    wsl_status st = wsl_label_matrix_create(&L, 1, 1, 2, WSL_STORAGE_DENSE, nullptr);
    wsl_label_matrix_free(L);
    wsl_end_options eo = WSL_END_OPTIONS_INIT;
    wsl_featurizer_options zo = WSL_FEATURIZER_OPTIONS_INIT;
    wsl_records *r = nullptr;
    wsl_records_free(r);
    wsl_record_stream_options rs = WSL_RECORD_STREAM_OPTIONS_INIT;
    if (rs.version != WSL_RECORD_STREAM_OPTIONS_VERSION || wsl_plugin_table.n_lfs != 1)
        return 1;
    return st == WSL_OK && eo.version == WSL_END_OPTIONS_VERSION && zo.hash_bits == 18 ? 0 : 1;
}
