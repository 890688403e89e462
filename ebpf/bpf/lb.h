/* SPDX-License-Identifier: GPL-2.0 */
/* Service lookup and backend choice, shared by the packet path (tc, XDP) and the socket path:
 * frontend lookup, Maglev pick, ClientIP affinity, backend validity. */
#ifndef SLUICE_BPF_LB_H
#define SLUICE_BPF_LB_H

#include "common.h"
#include "maps.h"
#include "sluice/ebpf/flow_hash.h"

SL_INLINE struct sl_frontend *lb_lookup_frontend(const union sl_addr *addr, __be16 port,
						 __u8 proto, __u8 family)
{
	struct sl_frontend_key key = {};

	key.addr = *addr;
	key.port = port;
	key.proto = proto;
	key.family = family;
	return bpf_map_lookup_elem(&sl_fe_v1, &key);
}

/* The backend with this id, if it still exists and still belongs to the service. */
SL_INLINE struct sl_backend *lb_backend(__u32 service_id, __u32 backend_id)
{
	struct sl_backend *backend;

	if (!backend_id)
		return NULL;
	backend = bpf_map_lookup_elem(&sl_be_v1, &backend_id);
	if (!backend || backend->service_id != service_id)
		return NULL;
	return backend;
}

/* Maglev: the service's table entry for this hash; 0 when the service has no eligible backend
 * (or no table yet). */
SL_INLINE __u32 lb_maglev_pick(__u32 service_id, __u32 hash)
{
	__u32 size = sl_maglev_size;
	__u32 *backend_id;
	__u64 index;
	__u32 key;

	if (!size)
		return 0;
	index = (__u64)service_id * size + hash % size;
	if (index > 0xffffffffULL)
		return 0;
	key = (__u32)index;
	/* Out of the array (an id beyond the configured services): no entry, no backend. */
	backend_id = bpf_map_lookup_elem(&sl_maglev_v2, &key);
	return backend_id ? *backend_id : 0;
}

/* Picks the backend for a new flow: the client's affinity backend while it is valid and still
 * takes new flows, otherwise Maglev (and affinity is recorded). Returns the id, 0 for none. */
SL_INLINE __u32 lb_select(const struct sl_frontend *fe, const union sl_addr *client, __u8 family,
			  __u32 hash, __u64 now)
{
	struct sl_affinity_key akey = {};
	struct sl_affinity_entry *aff, fresh = {};
	struct sl_backend *backend;
	__u32 id;

	if (fe->flags & SL_FE_AFFINITY) {
		akey.client = *client;
		akey.service_id = fe->service_id;
		akey.family = family;
		aff = bpf_map_lookup_elem(&sl_aff_v1, &akey);
		if (aff && now - aff->last_used_ns <= (__u64)fe->affinity_timeout_s * SL_NSEC_PER_SEC) {
			backend = lb_backend(fe->service_id, aff->backend_id);
			if (backend && (backend->flags & SL_BE_ACTIVE)) {
				aff->last_used_ns = now;
				return aff->backend_id;
			}
		}
	}
	id = lb_maglev_pick(fe->service_id, hash);
	if (id && (fe->flags & SL_FE_AFFINITY)) {
		fresh.last_used_ns = now;
		fresh.backend_id = id;
		bpf_map_update_elem(&sl_aff_v1, &akey, &fresh, BPF_ANY);
	}
	return id;
}

#endif
