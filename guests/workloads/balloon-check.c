/* balloon-check: the virtio balloon's transport registers, configuration space and its answers to malformed
 * rings, printed for comparison with QEMU (-device virtio-balloon-device). No parameters.
 * Not covered, because QEMU 7.2 stops running the guest (or its console) soon after them: indirect
 * descriptors and buffers outside RAM. */
#include <string.h>
#include "sdk.h"

#define BASE 0x10008000UL
#define QSIZE 16

struct desc { uint64_t addr; uint32_t len; uint16_t flags, next; };

static uint8_t area[2][2 * 4096] __attribute__((aligned(4096)));
static uint32_t pfns[8];
static uint16_t avail_idx[2];

static uint32_t rd(int off) { return *(volatile uint32_t *)(BASE + off); }
static void wr(int off, uint32_t v) { *(volatile uint32_t *)(BASE + off) = v; }
static struct desc *descs(int q) { return (struct desc *)area[q]; }
static volatile uint16_t *avail(int q) { return (volatile uint16_t *)(area[q] + 16 * QSIZE); }
static volatile uint16_t *used(int q) { return (volatile uint16_t *)(area[q] + 4096); }
static void fence(void) { __asm__ volatile("fence rw, rw" ::: "memory"); }

static void start(void)
{
	wr(0x070, 0);
	memset(area, 0, sizeof(area));
	avail_idx[0] = avail_idx[1] = 0;
	wr(0x070, 3);
	wr(0x020, 0);
	wr(0x028, 4096);
	for (int q = 0; q < 2; q++) {
		wr(0x030, q);
		wr(0x038, QSIZE);
		wr(0x03c, 4096);
		wr(0x040, (uint32_t)((uintptr_t)area[q] >> 12));
	}
	wr(0x070, 7);
}

static void post(int q, int head)
{
	avail(q)[2 + avail_idx[q] % QSIZE] = (uint16_t)head;
	fence();
	avail(q)[1] = ++avail_idx[q];
	fence();
	wr(0x050, q);
}

static void report(const char *what)
{
	printf("%-22s used %u/%u isr %x status %x\n", what, used(0)[1], used(1)[1], rd(0x060), rd(0x070));
	wr(0x064, rd(0x060));
}

static void set_desc(int q, int i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	struct desc *d = &descs(q)[i];
	d->addr = addr;
	d->len = len;
	d->flags = flags;
	d->next = next;
}

/* After a malformed chain: is a good one still processed? */
static void good_after(const char *what)
{
	pfns[0] = 0x80000;
	set_desc(0, 9, (uintptr_t)pfns, 4, 0, 0);
	post(0, 9);
	report(what);
}

int main(void)
{
	printf("magic %x version %u device %u vendor %x\n", rd(0), rd(4), rd(8), rd(12));
	for (int sel = 0; sel < 3; sel++) {
		wr(0x014, sel);
		printf("host features[%d] %x\n", sel, rd(0x010));
	}
	for (int q = 0; q < 4; q++) {
		wr(0x030, q);
		printf("queue %d: max %u num %u align %u pfn %u\n", q, rd(0x034), rd(0x038), rd(0x03c), rd(0x040));
	}
	for (int off = 0x100; off < 0x118; off += 4)
		printf("config %x: %x\n", off, rd(off));
	printf("config bytes %x %x, halfword %x, straddling %x\n", *(volatile uint8_t *)(BASE + 0x100),
	       *(volatile uint8_t *)(BASE + 0x10f), *(volatile uint16_t *)(BASE + 0x104),
	       *(volatile uint32_t *)(BASE + 0x10e));
	printf("byte read of device id %x, of magic %x\n", *(volatile uint8_t *)(BASE + 8),
	       *(volatile uint8_t *)BASE);
	wr(0x104, 0x12345678);
	wr(0x100, 9);
	*(volatile uint8_t *)(BASE + 0x105) = 0xab;
	wr(0x10c, 0x55);
	printf("after config writes: num_pages %x actual %x poison %x\n", rd(0x100), rd(0x104), rd(0x10c));
	wr(0x070, 0);
	printf("after reset: actual %x status %x\n", rd(0x104), rd(0x070));
	wr(0x030, 0);
	wr(0x040, 0x80400);
	printf("pfn before page size %x\n", rd(0x040));
	wr(0x028, 4096);
	printf("pfn with page size 4096 %x\n", rd(0x040));
	wr(0x070, 7);
	wr(0x040, 0);
	printf("after pfn 0: status %x pfn %x\n", rd(0x070), rd(0x040));

	start();
	pfns[0] = 0x80100;
	pfns[1] = 5;
	set_desc(0, 0, (uintptr_t)pfns, 8, 0, 0);
	post(0, 0);
	printf("used element %x len %x\n", *(volatile uint32_t *)(area[0] + 4096 + 4),
	       *(volatile uint32_t *)(area[0] + 4096 + 8));
	report("inflate");
	set_desc(1, 0, (uintptr_t)pfns, 4, 0, 0);
	post(1, 0);
	report("deflate");
	avail(0)[0] = 1;
	set_desc(0, 1, (uintptr_t)pfns, 4, 0, 0);
	post(0, 1);
	report("no interrupt flag");
	avail(0)[0] = 0;
	wr(0x050, 2);
	wr(0x050, 7);
	report("notify 2 and 7");

	start();
	post(0, 40);
	report("head out of range");
	good_after("  then");
	start();
	set_desc(0, 1, (uintptr_t)pfns, 4, 1, 2);
	set_desc(0, 2, (uintptr_t)pfns, 4, 1, 1);
	post(0, 1);
	report("loop");
	good_after("  then");
	start();
	set_desc(0, 1, (uintptr_t)pfns, 4, 1, 99);
	post(0, 1);
	report("next out of range");
	good_after("  then");
	start();
	avail(0)[1] = avail_idx[0] = 40;
	wr(0x050, 0);
	report("index jumps");
	good_after("  then");
	start();
	pfns[0] = 0xffffffff;
	pfns[1] = 0x10000;
	pfns[2] = 0x80000 + (uint32_t)(sdk_ram_size() >> 12);
	set_desc(0, 1, (uintptr_t)pfns, 14, 0, 0);
	post(0, 1);
	report("frames outside RAM");
	wr(0x070, 0);
	printf("done\n");
	return 0;
}
