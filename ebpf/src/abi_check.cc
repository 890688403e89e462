// The ABI header's layouts, checked where C++ sees them: a change that moves a field fails the
// build instead of silently misreading a pinned map.
#include <cstddef>

#include "sluice/ebpf/abi.h"

static_assert(sizeof(sl_addr) == 16);
static_assert(sizeof(sl_frontend_key) == 20);
static_assert(offsetof(sl_frontend_key, port) == 16);
static_assert(sizeof(sl_frontend) == 16);
static_assert(sizeof(sl_backend) == 32);
static_assert(offsetof(sl_backend, service_id) == 20);
static_assert(sizeof(sl_ct_key) == 40);
static_assert(offsetof(sl_ct_key, dir) == 38);
static_assert(sizeof(sl_ct_entry) == 64);
static_assert(sizeof(sl_source_range_key) == 24);
static_assert(sizeof(sl_vip_key) == 20);
static_assert(offsetof(sl_ct_entry, client_addr) == 40);
static_assert(offsetof(sl_ct_entry, backend_id) == 28);
static_assert(sizeof(sl_affinity_key) == 24);
static_assert(sizeof(sl_affinity_entry) == 16);
static_assert(sizeof(sl_service_stats) == 24);
static_assert(sizeof(sl_sock_revnat_key) == 32);
static_assert(sizeof(sl_sock_revnat_value) == 24);
