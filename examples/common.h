/* Shared by the examples: stop with libwsl's message when a call fails. */
#ifndef WSL_EXAMPLES_COMMON_H
#define WSL_EXAMPLES_COMMON_H

#include <stdio.h>
#include <stdlib.h>

#include <wsl/wsl.h>

#define CHECK_WSL(call)                                                                         \
    do {                                                                                        \
        wsl_status check_wsl_st_ = (call);                                                      \
        if (check_wsl_st_ != WSL_OK) {                                                          \
            fprintf(stderr, "%s:%d: %s failed: %s: %s\n", __FILE__, __LINE__, #call,            \
                    wsl_strerror(check_wsl_st_), wsl_last_error());                             \
            exit(EXIT_FAILURE);                                                                 \
        }                                                                                       \
    } while (0)

#endif
