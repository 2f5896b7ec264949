/* vprobe: what every occupied virtio-mmio slot shows a driver before it is set up: device id, offered features,
 * maximum size of the first queues and the bytes of the configuration space (up to cfg=N bytes, default 64),
 * for comparison with QEMU. */
#include "sdk.h"

int main(void)
{
	long cfg = sdk_param_long("cfg", 64);
	for (int slot = 0; slot < 8; slot++) {
		uint32_t id = sdk_virtio_read(slot, SDK_VIRTIO_DEVICE_ID);
		if (id == 0)
			continue;
		printf("slot %d: version %u id %u vendor %08x features %016llx\n", slot,
			sdk_virtio_read(slot, SDK_VIRTIO_VERSION), id, sdk_virtio_read(slot, SDK_VIRTIO_VENDOR_ID),
			(unsigned long long)sdk_virtio_host_features(slot));
		printf("  queue max:");
		for (int q = 0; q < 4; q++) {
			sdk_virtio_write(slot, SDK_VIRTIO_QUEUE_SEL, q);
			printf(" %u", sdk_virtio_read(slot, SDK_VIRTIO_QUEUE_NUM_MAX));
		}
		printf("\n  config:");
		for (long i = 0; i < cfg; i++) {
			if (i % 16 == 0 && i)
				printf("\n         ");
			printf(" %02x", *(volatile uint8_t *)(sdk_virtio_base(slot) + SDK_VIRTIO_CONFIG + i));
		}
		printf("\n");
	}
	return 0;
}
