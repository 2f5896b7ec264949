/* Generic polled driver for legacy (version 1) virtio-mmio devices: find a device, negotiate features, set up
 * small split queues and post descriptor chains, taking descriptors round-robin (at most SDK_VIRTIO_QSIZE
 * descriptors in flight per queue). Used by the device test programs. */
#include <string.h>
#include "sdk.h"

#define VIRTIO_BASE   0x10001000UL
#define VIRTIO_STRIDE 0x1000UL
#define VIRTIO_MAGIC  0x74726976U
#define MAX_QUEUES    6

struct vdesc { uint64_t addr; uint32_t len; uint16_t flags, next; };

struct vqueue {
	int slot, index;
	uint16_t avail_idx, used_seen, next_desc;
	uint8_t *area;
};

/* Two pages per queue: descriptors and available ring, then the used ring. */
static uint8_t areas[MAX_QUEUES][2 * 4096] __attribute__((aligned(4096)));
static struct vqueue queues[MAX_QUEUES];
static int nqueues;

static void fence(void) { __asm__ volatile("fence rw, rw" ::: "memory"); }

uintptr_t sdk_virtio_base(int slot) { return VIRTIO_BASE + VIRTIO_STRIDE * (uintptr_t)slot; }

uint32_t sdk_virtio_read(int slot, int off) { return *(volatile uint32_t *)(sdk_virtio_base(slot) + off); }

void sdk_virtio_write(int slot, int off, uint32_t v) { *(volatile uint32_t *)(sdk_virtio_base(slot) + off) = v; }

int sdk_virtio_find(uint32_t device_id, int nth)
{
	for (int i = 0; i < 8; i++) {
		if (sdk_virtio_read(i, SDK_VIRTIO_MAGIC) == VIRTIO_MAGIC && sdk_virtio_read(i, SDK_VIRTIO_VERSION) == 1
				&& sdk_virtio_read(i, SDK_VIRTIO_DEVICE_ID) == device_id && nth-- == 0)
			return i;
	}
	return -1;
}

uint64_t sdk_virtio_host_features(int slot)
{
	sdk_virtio_write(slot, SDK_VIRTIO_HOST_FEAT_SEL, 1);
	uint64_t hi = sdk_virtio_read(slot, SDK_VIRTIO_HOST_FEATURES);
	sdk_virtio_write(slot, SDK_VIRTIO_HOST_FEAT_SEL, 0);
	return hi << 32 | sdk_virtio_read(slot, SDK_VIRTIO_HOST_FEATURES);
}

void sdk_virtio_begin(int slot, uint32_t features)
{
	sdk_virtio_write(slot, SDK_VIRTIO_STATUS, 0);
	sdk_virtio_write(slot, SDK_VIRTIO_STATUS, 1);
	sdk_virtio_write(slot, SDK_VIRTIO_STATUS, 3);
	sdk_virtio_write(slot, SDK_VIRTIO_GUEST_FEAT_SEL, 0);
	sdk_virtio_write(slot, SDK_VIRTIO_GUEST_FEATURES, features);
	sdk_virtio_write(slot, SDK_VIRTIO_GUEST_PAGE, 4096);
}

struct vqueue *sdk_virtio_queue(int slot, int index)
{
	if (nqueues == MAX_QUEUES)
		return 0;
	sdk_virtio_write(slot, SDK_VIRTIO_QUEUE_SEL, index);
	if (sdk_virtio_read(slot, SDK_VIRTIO_QUEUE_NUM_MAX) < SDK_VIRTIO_QSIZE)
		return 0;
	struct vqueue *q = &queues[nqueues];
	q->slot = slot;
	q->index = index;
	q->avail_idx = q->used_seen = q->next_desc = 0;
	q->area = areas[nqueues++];
	memset(q->area, 0, 2 * 4096);
	sdk_virtio_write(slot, SDK_VIRTIO_QUEUE_NUM, SDK_VIRTIO_QSIZE);
	sdk_virtio_write(slot, SDK_VIRTIO_QUEUE_ALIGN, 4096);
	sdk_virtio_write(slot, SDK_VIRTIO_QUEUE_PFN, (uint32_t)((uintptr_t)q->area >> 12));
	return q;
}

void sdk_virtio_ready(int slot) { sdk_virtio_write(slot, SDK_VIRTIO_STATUS, 7); }

void sdk_virtio_post(struct vqueue *q, const struct sdk_vbuf *bufs, int n)
{
	struct vdesc *d = (struct vdesc *)q->area;
	uint16_t head = q->next_desc;
	for (int i = 0; i < n; i++) {
		uint16_t at = (uint16_t)((head + i) % SDK_VIRTIO_QSIZE);
		d[at].addr = (uintptr_t)bufs[i].addr;
		d[at].len = bufs[i].len;
		d[at].flags = (uint16_t)((i + 1 < n ? 1 : 0) | (bufs[i].writable ? 2 : 0));
		d[at].next = (uint16_t)((at + 1) % SDK_VIRTIO_QSIZE);
	}
	q->next_desc = (uint16_t)((head + n) % SDK_VIRTIO_QSIZE);
	volatile uint16_t *avail = (volatile uint16_t *)(q->area + 16 * SDK_VIRTIO_QSIZE);
	avail[2 + q->avail_idx % SDK_VIRTIO_QSIZE] = head;
	fence();
	avail[1] = ++q->avail_idx;
	fence();
	sdk_virtio_write(q->slot, SDK_VIRTIO_QUEUE_NOTIFY, q->index);
}

int sdk_virtio_poll(struct vqueue *q, uint32_t *written)
{
	volatile uint16_t *used = (volatile uint16_t *)(q->area + 4096);
	if (used[1] == q->used_seen)
		return 0;
	fence();
	volatile uint32_t *elem = (volatile uint32_t *)(q->area + 4096 + 4 + 8 * (q->used_seen % SDK_VIRTIO_QSIZE));
	if (written)
		*written = elem[1];
	q->used_seen++;
	return 1;
}

long sdk_virtio_xfer(struct vqueue *q, const struct sdk_vbuf *bufs, int n)
{
	uint32_t written = 0;
	sdk_virtio_post(q, bufs, n);
	for (long spins = 0; !sdk_virtio_poll(q, &written); spins++) {
		if (spins > 100000000L)
			return -1;
	}
	sdk_virtio_write(q->slot, SDK_VIRTIO_INT_ACK, sdk_virtio_read(q->slot, SDK_VIRTIO_INT_STATUS));
	return written;
}
