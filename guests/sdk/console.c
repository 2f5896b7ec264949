/* picolibc stdio on the 16550 UART. */
#include "sdk.h"

#define UART_RBR 0
#define UART_THR 0
#define UART_LSR 5
#define LSR_DR   0x01
#define LSR_THRE 0x20

static inline volatile uint8_t *uart_reg(int off)
{
	return (volatile uint8_t *)(SDK_UART_BASE + off);
}

static int uart_put(char c, FILE *f)
{
	(void)f;
	while (!(*uart_reg(UART_LSR) & LSR_THRE))
		;
	*uart_reg(UART_THR) = (uint8_t)c;
	return (unsigned char)c;
}

static int uart_get(FILE *f)
{
	(void)f;
	while (!(*uart_reg(UART_LSR) & LSR_DR))
		;
	return *uart_reg(UART_RBR);
}

static FILE uart_file = FDEV_SETUP_STREAM(uart_put, uart_get, NULL, _FDEV_SETUP_RW);

FILE *const stdin = &uart_file;
FILE *const stdout = &uart_file;
FILE *const stderr = &uart_file;
