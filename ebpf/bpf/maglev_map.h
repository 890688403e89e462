/* SPDX-License-Identifier: GPL-2.0 */
/* The Maglev array, on its own so that the table writer (maglev_writer.bpf.c) can share it
 * without declaring every other map of the data path. */
#ifndef SLUICE_BPF_MAGLEV_MAP_H
#define SLUICE_BPF_MAGLEV_MAP_H

#include "common.h"

/* Every service's Maglev table in one array: entry service_id * sl_maglev_size + slot holds that
 * slot's backend id (0 = none). The loader sizes it (max services + 1) * maglev size. Tables are
 * written in place, entry by entry (each write atomic): updating a map-in-map from user space
 * waits for an RCU grace period (milliseconds) per service, which made programming slow. The
 * control plane writes rows through maglev_writer.bpf.c, not one syscall element at a time. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SL_DEFAULT_MAGLEV_ENTRIES);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_maglev_v2 SEC(".maps");

#endif /* SLUICE_BPF_MAGLEV_MAP_H */
