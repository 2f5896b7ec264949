/* hello: greeting, boot arguments and RAM size from the FDT. */
#include "sdk.h"

int main(void)
{
	printf("Hello from a Ferry guest (RV64IMAC, M mode)\n");
	printf("bootargs: \"%s\"\n", sdk_bootargs());
	printf("memory: %lu MiB at 0x%lx\n", (unsigned long)(sdk_ram_size() >> 20),
	       (unsigned long)sdk_ram_base());
	return 0;
}
