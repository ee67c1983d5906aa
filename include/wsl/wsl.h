/*
 * libwsl — weak-supervision labeling in C. Include this one header.
 *
 * Threading: distinct objects may be used from different threads freely; one object must not be
 * used concurrently if any call mutates it; calls taking a const handle are safe concurrently.
 * Mutable global state: the thread-local error message (wsl_last_error()), and, behind locks,
 * the open counts of loaded LF plugins and cJSON's parser (its last error position).
 * libwsl never changes OpenBLAS's thread count: threaded applications should set
 * OPENBLAS_NUM_THREADS=1.
 */
#ifndef WSL_WSL_H
#define WSL_WSL_H

#include "wsl/version.h"
#include "wsl/common.h"
#include "wsl/votes.h"
#include "wsl/io.h"
#include "wsl/label_model.h"
#include "wsl/lf.h"
#include "wsl/synth.h"
#include "wsl/analysis.h"
#include "wsl/records.h"
#include "wsl/end_model.h"
#include "wsl/plugin.h"

#endif
