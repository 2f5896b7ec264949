/* Ferry guest SDK: bare-metal support for the QEMU virt machine (RV64IMAC, M mode). */
#ifndef FERRY_SDK_H
#define FERRY_SDK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SDK_TEST_BASE   0x00100000UL
#define SDK_CLINT_BASE  0x02000000UL
#define SDK_UART_BASE   0x10000000UL
#define SDK_RAM_BASE    0x80000000UL
#define SDK_MTIME_HZ    10000000UL
#define SDK_PAGE_SIZE   4096UL

#define SDK_IRQ_SOFTWARE 3
#define SDK_IRQ_TIMER    7
#define SDK_IRQ_EXTERNAL 11

#define SDK_MSTATUS_MIE  (1UL << 3)
#define SDK_MSTATUS_MPIE (1UL << 7)
#define SDK_MSTATUS_MPP  (3UL << 11)

/* Register state saved by the trap vector; handlers may modify it (e.g. mepc). */
struct sdk_frame {
	uint64_t x[32];
	uint64_t mepc;
	uint64_t mstatus;
	uint64_t mcause;
	uint64_t mtval;
};

#define sdk_csr_read(csr) ({ uint64_t v_; __asm__ volatile("csrr %0, " #csr : "=r"(v_)); v_; })
#define sdk_csr_write(csr, v) __asm__ volatile("csrw " #csr ", %0" :: "rK"((uint64_t)(v)) : "memory")
#define sdk_csr_set(csr, v) __asm__ volatile("csrs " #csr ", %0" :: "rK"((uint64_t)(v)) : "memory")
#define sdk_csr_clear(csr, v) __asm__ volatile("csrc " #csr ", %0" :: "rK"((uint64_t)(v)) : "memory")

static inline void sdk_wfi(void) { __asm__ volatile("wfi" ::: "memory"); }

/* exit: sifive_test finisher (0x5555 pass, (code << 16) | 0x3333 fail) */
void sdk_exit(int code) __attribute__((noreturn));

/* boot information (parsed from the FDT before main) */
const char *sdk_bootargs(void);
uint64_t sdk_ram_base(void);
uint64_t sdk_ram_size(void);
uintptr_t sdk_fdt_addr(void);
uint32_t sdk_fdt_size(void);

/* parameters from bootargs "key=value key=value ..." */
long sdk_param_size(const char *key, long def);   /* 4096, 4K, 64M, 1G, 0x1000 */
long sdk_param_long(const char *key, long def);
const char *sdk_param_str(const char *key, const char *def);
int sdk_param_present(const char *key);

/* heap: end of image up to the FDT (malloc uses it through sbrk) */
uintptr_t sdk_heap_start(void);
uintptr_t sdk_heap_end(void);
size_t sdk_heap_avail(void);
void *sdk_alloc(size_t bytes, size_t align);       /* never freed; exits on failure */
uintptr_t sdk_heap_mark(void);
void sdk_heap_release(uintptr_t mark);              /* free everything sdk_alloc'd after mark */
long sdk_fit_size(const char *what, long want, long reserve); /* clamp to free heap - reserve */

/* timer (CLINT, 10 MHz) */
uint64_t sdk_mtime(void);
void sdk_set_mtimecmp(uint64_t when);
void sdk_timer_off(void);
void sdk_sleep_ticks(uint64_t ticks);              /* WFI until mtime advanced by ticks */
void sdk_sleep_ms(uint64_t ms);
void sdk_set_msip(int pending);

/* interrupts and exceptions */
typedef void (*sdk_irq_fn)(struct sdk_frame *f);
typedef int (*sdk_exc_fn)(struct sdk_frame *f);    /* return nonzero when handled */
void sdk_set_irq_handler(int irq, sdk_irq_fn fn);
void sdk_irq_enable(int irq);
void sdk_irq_disable(int irq);
static inline void sdk_interrupts_on(void) { sdk_csr_set(mstatus, SDK_MSTATUS_MIE); }
static inline void sdk_interrupts_off(void) { sdk_csr_clear(mstatus, SDK_MSTATUS_MIE); }
void sdk_set_exception_handler(sdk_exc_fn fn);
void sdk_trap(struct sdk_frame *f, uint64_t mcause, uint64_t mepc, uint64_t mtval);

/* U mode */
void sdk_pmp_allow_all(void);                      /* pmpaddr0 = ~0 NAPOT, pmpcfg0 = 0x1f */
long sdk_run_user(long (*fn)(long), long arg);     /* runs fn(arg) in U mode, returns its result */
void sdk_user_exit(long value) __attribute__((noreturn)); /* from U mode: leave early */
#define SDK_ECALL_USER_EXIT 0x5344

/* virtio balloon (legacy virtio-mmio, found by scanning the 8 slots for device id 5; polled, no features) */
int sdk_balloon_init(void);                        /* 0 when a balloon is ready, -1 when there is none */
int sdk_balloon_slot(void);                        /* its slot (0-7), -1 before init or without one */
uint32_t sdk_balloon_target(void);                 /* num_pages: the host's target */
uint32_t sdk_balloon_actual(void);                 /* actual: pages in the balloon as reported */
long sdk_balloon_give(void *page, size_t n);       /* inflate: n pages from page (aligned) are the host's */
long sdk_balloon_take(void *page, size_t n);       /* deflate: take them back before reuse */

/* generic legacy virtio-mmio driver (polled; queues of SDK_VIRTIO_QSIZE entries, descriptors taken round-robin,
 * so at most SDK_VIRTIO_QSIZE descriptors in flight per queue) */
#define SDK_VIRTIO_MAGIC          0x000
#define SDK_VIRTIO_VERSION        0x004
#define SDK_VIRTIO_DEVICE_ID      0x008
#define SDK_VIRTIO_VENDOR_ID      0x00c
#define SDK_VIRTIO_HOST_FEATURES  0x010
#define SDK_VIRTIO_HOST_FEAT_SEL  0x014
#define SDK_VIRTIO_GUEST_FEATURES 0x020
#define SDK_VIRTIO_GUEST_FEAT_SEL 0x024
#define SDK_VIRTIO_GUEST_PAGE     0x028
#define SDK_VIRTIO_QUEUE_SEL      0x030
#define SDK_VIRTIO_QUEUE_NUM_MAX  0x034
#define SDK_VIRTIO_QUEUE_NUM      0x038
#define SDK_VIRTIO_QUEUE_ALIGN    0x03c
#define SDK_VIRTIO_QUEUE_PFN      0x040
#define SDK_VIRTIO_QUEUE_NOTIFY   0x050
#define SDK_VIRTIO_INT_STATUS     0x060
#define SDK_VIRTIO_INT_ACK        0x064
#define SDK_VIRTIO_STATUS         0x070
#define SDK_VIRTIO_CONFIG         0x100
#define SDK_VIRTIO_QSIZE          16
struct vqueue;
struct sdk_vbuf { void *addr; uint32_t len; int writable; };
uintptr_t sdk_virtio_base(int slot);
uint32_t sdk_virtio_read(int slot, int off);
void sdk_virtio_write(int slot, int off, uint32_t v);
int sdk_virtio_find(uint32_t device_id, int nth);  /* slot of the nth device with this id, -1 if none */
uint64_t sdk_virtio_host_features(int slot);
void sdk_virtio_begin(int slot, uint32_t features); /* reset, ACKNOWLEDGE|DRIVER, features, page size */
struct vqueue *sdk_virtio_queue(int slot, int index); /* 0 when the device has no such queue */
void sdk_virtio_ready(int slot);                    /* DRIVER_OK */
void sdk_virtio_post(struct vqueue *q, const struct sdk_vbuf *bufs, int n); /* one chain, made available */
int sdk_virtio_poll(struct vqueue *q, uint32_t *written); /* 1 when the device used the next chain */
long sdk_virtio_xfer(struct vqueue *q, const struct sdk_vbuf *bufs, int n); /* post + wait: bytes written */

#endif
