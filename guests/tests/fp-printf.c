/*
 * Realistic floating-point C: picolibc's printf and strtod of doubles (soft conversions full of integer and
 * FP work), libm functions, a small n-body integration, a Mandelbrot set, Gaussian elimination and a
 * float (binary32) dot product, printed in decimal and hexadecimal for comparison with QEMU.
 */
#include <math.h>
#include <stdlib.h>
#include "sdk.h"

static void formats(void)
{
	static const double v[] = { 0.1, 1.0 / 3, 2.5, -0.0, 1e300, 4.9e-324, 2.2250738585072014e-308,
		123456789.125, -98765.4321, 6.02214076e23, 1.7976931348623157e308 };
	for (unsigned i = 0; i < sizeof v / sizeof v[0]; i++)
		printf("%.17g %e %.3f %a\n", v[i], v[i], v[i], v[i]);
	printf("%g %g %g\n", INFINITY, -INFINITY, NAN);
	const char *text[] = { "3.14159265358979323846", "1e-320", "0x1.8p3", "-2.5e+10", "7.0e400", "1.000000000000000111" };
	for (unsigned i = 0; i < sizeof text / sizeof text[0]; i++) {
		double d = strtod(text[i], NULL);
		float f = strtof(text[i], NULL);
		printf("strtod(%s) = %.17g %a, strtof = %.9g\n", text[i], d, d, (double)f);
	}
}

static void libm(void)
{
	for (int i = -3; i <= 6; i++) {
		double x = i * 0.7 + 0.05;
		printf("x=%.2f sqrt=%.17g exp=%.17g log=%.17g sin=%.17g cos=%.17g atan=%.17g pow=%.17g\n", x,
		       sqrt(fabs(x)), exp(x), log(fabs(x)), sin(x), cos(x), atan(x), pow(fabs(x), 1.5));
		float xf = (float)x;
		printf("  f: sqrtf=%.9g expf=%.9g sinf=%.9g floorf=%g lrint=%ld\n", (double)sqrtf(fabsf(xf)),
		       (double)expf(xf), (double)sinf(xf), (double)floorf(xf), lrint(x * 10));
	}
}

static void nbody(void)
{
	double px[5] = { 0, 4.84, 8.34, 12.89, 15.37 }, py[5] = { 0, -1.16, 4.12, -15.11, -25.91 };
	double vx[5] = { 0, 0.606, -1.01, 1.08, 0.979 }, vy[5] = { 0, 2.81, 1.82, 0.868, 0.594 };
	double m[5] = { 39.47, 0.037, 0.011, 0.0017, 0.002 };
	for (int step = 0; step < 2000; step++) {
		for (int i = 0; i < 5; i++)
			for (int j = i + 1; j < 5; j++) {
				double dx = px[i] - px[j], dy = py[i] - py[j];
				double d2 = dx * dx + dy * dy + 0.01;
				double mag = 0.001 / (d2 * sqrt(d2));
				vx[i] -= dx * m[j] * mag;
				vy[i] -= dy * m[j] * mag;
				vx[j] += dx * m[i] * mag;
				vy[j] += dy * m[i] * mag;
			}
		for (int i = 0; i < 5; i++) {
			px[i] += 0.001 * vx[i];
			py[i] += 0.001 * vy[i];
		}
	}
	for (int i = 0; i < 5; i++)
		printf("body %d: %.15e %.15e %a\n", i, px[i], py[i], vx[i]);
}

static void mandelbrot(void)
{
	for (int y = -10; y <= 10; y++) {
		char line[64];
		int n = 0;
		for (int x = -30; x <= 15; x++) {
			double cr = x / 15.0, ci = y / 10.0, zr = 0, zi = 0;
			int k = 0;
			while (k < 200 && zr * zr + zi * zi < 4) {
				double t = zr * zr - zi * zi + cr;
				zi = 2 * zr * zi + ci;
				zr = t;
				k++;
			}
			line[n++] = " .:-=+*#%@"[k % 10];
		}
		line[n] = 0;
		printf("%s\n", line);
	}
}

static void gauss(void)
{
	enum { N = 8 };
	double a[N][N + 1];
	for (int i = 0; i < N; i++) {
		for (int j = 0; j < N; j++)
			a[i][j] = 1.0 / (i + j + 1) + (i == j ? 0.5 : 0);
		a[i][N] = i + 1;
	}
	for (int c = 0; c < N; c++) {
		int p = c;
		for (int r = c + 1; r < N; r++)
			if (fabs(a[r][c]) > fabs(a[p][c]))
				p = r;
		for (int j = 0; j <= N; j++) {
			double t = a[c][j];
			a[c][j] = a[p][j];
			a[p][j] = t;
		}
		for (int r = 0; r < N; r++) {
			if (r == c)
				continue;
			double f = a[r][c] / a[c][c];
			for (int j = c; j <= N; j++)
				a[r][j] = fma(-f, a[c][j], a[r][j]);
		}
	}
	for (int i = 0; i < N; i++)
		printf("x%d = %.17g\n", i, a[i][N] / a[i][i]);
	float s = 0;
	for (int i = 1; i <= 1000; i++)
		s += 1.0f / ((float)i * (float)i);
	printf("sum 1/i^2 (float) = %.9g %a\n", (double)s, (double)s);
}

int main(void)
{
	formats();
	libm();
	nbody();
	mandelbrot();
	gauss();
	return 0;
}
