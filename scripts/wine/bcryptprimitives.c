/*
 * Test-only stand-in for Windows' bcryptprimitives.dll under Wine 8.0.
 *
 * Go 1.24+ programs get their randomness from ProcessPrng, which real
 * Windows 10+ exports from bcryptprimitives.dll and Wine 8.0 (Debian 12)
 * lacks, so every Go exe dies at start-up with "bcryptprimitives.dll not
 * found". This DLL exports ProcessPrng and fills the buffer from
 * BCryptGenRandom (the system RNG, which Wine has). It is copied into the
 * wine prefix's system32 by scripts/wine-prefix.sh and never shipped.
 */
#include <windows.h>
#include <bcrypt.h>

#ifndef BCRYPT_USE_SYSTEM_PREFERRED_RNG
#define BCRYPT_USE_SYSTEM_PREFERRED_RNG 0x00000002
#endif

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (BCryptGenRandom(NULL, data, n, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0)
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE h, DWORD reason, LPVOID reserved)
{
	(void)h; (void)reason; (void)reserved;
	return TRUE;
}
