/* SPDX-License-Identifier: GPL-2.0 */
/* Every map of the data path, pinned by name under the pin root the loader gives (default
 * /sys/fs/bpf/sluice), so all programs of a node — and the next agent — share them. Capacities
 * here are defaults; the C++ loader sets the configured ones before load. */
#ifndef SLUICE_BPF_MAPS_H
#define SLUICE_BPF_MAPS_H

#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SL_DEFAULT_MAX_FRONTENDS);
	__type(key, struct sl_frontend_key);
	__type(value, struct sl_frontend);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_fe_v1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SL_DEFAULT_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct sl_backend);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_be_v1 SEC(".maps");

#include "maglev_map.h"

/* Services whose table is written: the control plane's record, read back after a restart (the
 * data path does not read it). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SL_DEFAULT_MAX_SERVICES);
	__type(key, __u32);
	__type(value, __u8);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_maglev_on_v1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SL_DEFAULT_CT_ENTRIES);
	__type(key, struct sl_ct_key);
	__type(value, struct sl_ct_entry);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_ct_v2 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SL_DEFAULT_AFFINITY_ENTRIES);
	__type(key, struct sl_affinity_key);
	__type(value, struct sl_affinity_entry);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_aff_v1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SL_DEFAULT_MAX_SERVICES);
	__type(key, __u32);
	__type(value, struct sl_service_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_svc_stats_v1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SLUICE_DROP_MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_drops_v1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SL_DEFAULT_CT_ENTRIES);
	__type(key, struct sl_sock_revnat_key);
	__type(value, struct sl_sock_revnat_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_sock_rev_v1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, SL_DEFAULT_MAX_FRONTENDS);
	__type(key, struct sl_source_range_key);
	__type(value, __u8);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_srcrange_v1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SL_DEFAULT_MAX_FRONTENDS);
	__type(key, struct sl_vip_key);
	__type(value, __u8);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_vip_v1 SEC(".maps");

/* Load-time configuration (set on the skeleton's rodata before load). */
const volatile __u32 sl_maglev_size = SL_DEFAULT_MAGLEV_SIZE;
/* This node's addresses (network order; zero when unset): external flows to remote backends
 * are source-NATed to them. */
const volatile __be32 sl_node_v4 = 0;
const volatile __be32 sl_node_v6[4] = {};

SL_INLINE void sl_count_drop(__u32 reason)
{
	__u64 *count = bpf_map_lookup_elem(&sl_drops_v1, &reason);

	if (count)
		*count += 1;
}

/* Counted drops: the verdict of each program type. */
SL_INLINE int sl_drop_tc(__u32 reason)
{
	sl_count_drop(reason);
	return TC_ACT_SHOT;
}

SL_INLINE int sl_drop_xdp(__u32 reason)
{
	sl_count_drop(reason);
	return XDP_DROP;
}

SL_INLINE void sl_count_service(__u32 service_id, __u64 bytes, int new_connection)
{
	struct sl_service_stats *stats = bpf_map_lookup_elem(&sl_svc_stats_v1, &service_id);

	if (!stats)
		return;
	stats->packets += 1;
	stats->bytes += bytes;
	if (new_connection)
		stats->new_connections += 1;
}

#endif
