/* Virtio balloon driver: legacy (version 1) virtio-mmio, no features, polled. */
#include <string.h>
#include "sdk.h"

#define VIRTIO_BASE      0x10001000UL
#define VIRTIO_STRIDE    0x1000UL
#define VIRTIO_SLOTS     8
#define VIRTIO_MAGIC     0x74726976U
#define BALLOON_ID       5

#define R_MAGIC          0x000
#define R_VERSION        0x004
#define R_DEVICE_ID      0x008
#define R_GUEST_FEATURES 0x020
#define R_GUEST_FEAT_SEL 0x024
#define R_GUEST_PAGE     0x028
#define R_QUEUE_SEL      0x030
#define R_QUEUE_NUM_MAX  0x034
#define R_QUEUE_NUM      0x038
#define R_QUEUE_ALIGN    0x03c
#define R_QUEUE_PFN      0x040
#define R_QUEUE_NOTIFY   0x050
#define R_INT_STATUS     0x060
#define R_INT_ACK        0x064
#define R_STATUS         0x070
#define R_NUM_PAGES      0x100
#define R_ACTUAL         0x104

#define S_ACKNOWLEDGE    1
#define S_DRIVER         2
#define S_DRIVER_OK      4

#define QSIZE            16
#define PFNS_PER_BUF     256

struct vq_desc { uint64_t addr; uint32_t len; uint16_t flags, next; };
struct vq_avail { uint16_t flags, idx, ring[QSIZE], used_event; };
struct vq_used_elem { uint32_t id, len; };
struct vq_used { uint16_t flags, idx; struct vq_used_elem ring[QSIZE]; uint16_t avail_event; };

/* One queue in the legacy layout: descriptors and available ring on the first page, used ring on the next. */
struct vq {
	struct vq_desc desc[QSIZE];
	struct vq_avail avail;
	uint8_t pad[SDK_PAGE_SIZE - QSIZE * sizeof(struct vq_desc) - sizeof(struct vq_avail)];
	struct vq_used used;
} __attribute__((aligned(4096)));

static struct vq queues[2];
static uint32_t pfns[PFNS_PER_BUF];
static uintptr_t dev;
static int slot = -1;

static inline uint32_t rd(int off) { return *(volatile uint32_t *)(dev + off); }
static inline void wr(int off, uint32_t v) { *(volatile uint32_t *)(dev + off) = v; }
static inline void fence(void) { __asm__ volatile("fence rw, rw" ::: "memory"); }

static int setup_queue(int q)
{
	wr(R_QUEUE_SEL, q);
	if (rd(R_QUEUE_NUM_MAX) < QSIZE || rd(R_QUEUE_PFN) != 0)
		return -1;
	memset(&queues[q], 0, sizeof(queues[q]));
	wr(R_QUEUE_NUM, QSIZE);
	wr(R_QUEUE_ALIGN, SDK_PAGE_SIZE);
	wr(R_QUEUE_PFN, (uint32_t)((uintptr_t)&queues[q] / SDK_PAGE_SIZE));
	return 0;
}

int sdk_balloon_init(void)
{
	for (int i = 0; i < VIRTIO_SLOTS; i++) {
		uintptr_t base = VIRTIO_BASE + VIRTIO_STRIDE * i;
		volatile uint32_t *r = (volatile uint32_t *)base;
		if (r[R_MAGIC / 4] == VIRTIO_MAGIC && r[R_VERSION / 4] == 1 && r[R_DEVICE_ID / 4] == BALLOON_ID) {
			dev = base;
			slot = i;
			break;
		}
	}
	if (slot < 0)
		return -1;
	wr(R_STATUS, 0);
	wr(R_STATUS, S_ACKNOWLEDGE);
	wr(R_STATUS, S_ACKNOWLEDGE | S_DRIVER);
	wr(R_GUEST_FEAT_SEL, 0);
	wr(R_GUEST_FEATURES, 0);
	wr(R_GUEST_PAGE, SDK_PAGE_SIZE);
	if (setup_queue(0) || setup_queue(1)) {
		wr(R_STATUS, 0);
		slot = -1;
		return -1;
	}
	wr(R_STATUS, S_ACKNOWLEDGE | S_DRIVER | S_DRIVER_OK);
	return 0;
}

int sdk_balloon_slot(void) { return slot; }
uint32_t sdk_balloon_target(void) { return slot < 0 ? 0 : rd(R_NUM_PAGES); }
uint32_t sdk_balloon_actual(void) { return slot < 0 ? 0 : rd(R_ACTUAL); }

/* Sends one buffer of k page frame numbers on queue q and waits until the device has used it. */
static void send_pfns(int q, size_t k)
{
	struct vq *v = &queues[q];
	uint16_t idx = v->avail.idx;
	v->desc[0].addr = (uintptr_t)pfns;
	v->desc[0].len = (uint32_t)(k * sizeof(uint32_t));
	v->desc[0].flags = 0;
	v->desc[0].next = 0;
	v->avail.ring[idx % QSIZE] = 0;
	fence();
	v->avail.idx = (uint16_t)(idx + 1);
	fence();
	wr(R_QUEUE_NOTIFY, q);
	while (*(volatile uint16_t *)&v->used.idx != (uint16_t)(idx + 1))
		;
	fence();
	wr(R_INT_ACK, rd(R_INT_STATUS));
}

/* Moves n pages from page on queue q (0 = inflate, 1 = deflate) and adjusts actual by sign * n. */
static long move_pages(int q, void *page, size_t n, int sign)
{
	if (slot < 0 || ((uintptr_t)page & (SDK_PAGE_SIZE - 1)))
		return -1;
	uintptr_t pfn = (uintptr_t)page / SDK_PAGE_SIZE;
	for (size_t done = 0; done < n;) {
		size_t k = n - done < PFNS_PER_BUF ? n - done : PFNS_PER_BUF;
		for (size_t i = 0; i < k; i++)
			pfns[i] = (uint32_t)(pfn + done + i);
		send_pfns(q, k);
		done += k;
	}
	wr(R_ACTUAL, rd(R_ACTUAL) + (uint32_t)(sign * (long)n));
	return (long)n;
}

long sdk_balloon_give(void *page, size_t n) { return move_pages(0, page, n, 1); }
long sdk_balloon_take(void *page, size_t n) { return move_pages(1, page, n, -1); }
