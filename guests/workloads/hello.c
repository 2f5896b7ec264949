/* hello: greeting plus the boot arguments. */
#include "sdk.h"

int main(void)
{
	printf("Hello from Ferry guest (RV64IMAC, M mode)\n");
	printf("bootargs: \"%s\"\n", sdk_bootargs());
	return 0;
}
