/*
 * bcryptprimitives.dll for Wine 8.0, which has none.
 *
 * Go (1.26 here) takes its random bytes from ProcessPrng in
 * bcryptprimitives.dll (present since Windows 10) and stops at start-up
 * with "bcryptprimitives.dll not found" when it is missing, as it is from
 * Wine 8.0, Debian bookworm's. scripts/wine-test.sh builds this file
 * with mingw-w64 into the test prefix's system32 so that the Windows test
 * binaries start. ProcessPrng is documented to always succeed and return
 * TRUE; RtlGenRandom (advapi32's SystemFunction036) gives the bytes, in
 * pieces since it takes a ULONG length.
 *
 * This is a test harness for Wine only: nothing of it ships with the tool.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE inst, DWORD reason, LPVOID reserved)
{
	(void)inst; (void)reason; (void)reserved;
	return TRUE;
}
