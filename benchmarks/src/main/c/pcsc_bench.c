/*
 * The baseline of the PC/SC benchmarks: the same work as the Java benchmarks, calling pcsc-lite directly.
 * Built by benchmarks/run.sh with: gcc -O2 pcsc_bench.c $(pkg-config --cflags --libs libpcsclite)
 *
 * Usage: pcsc_bench <reader name> <seconds per measurement>
 * Prints two lines: "transmit_per_second <n>" (SELECT MF round trips on one shared T=0|T=1 connection) and
 * "connect_per_second <n>" (SCardConnect + SCardDisconnect(LEAVE) cycles). Exit code 1 with a message on failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <winscard.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void check(LONG rv, const char *what) {
    if (rv != SCARD_S_SUCCESS) {
        fprintf(stderr, "%s failed: %s (0x%08lX)\n", what, pcsc_stringify_error(rv), (unsigned long) rv);
        exit(1);
    }
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s <reader> <seconds>\n", argv[0]);
        return 2;
    }
    const char *reader = argv[1];
    double seconds = atof(argv[2]);
    SCARDCONTEXT context;
    SCARDHANDLE card;
    DWORD protocol;
    check(SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &context), "SCardEstablishContext");

    check(SCardConnect(context, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card, &protocol),
          "SCardConnect");
    const SCARD_IO_REQUEST *pci = protocol == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
    const BYTE select_mf[] = {0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00};
    BYTE response[258];
    long transmits = 0;
    double start = now(), end = start + seconds;
    while (now() < end) {
        DWORD length = sizeof response;
        check(SCardTransmit(card, pci, select_mf, sizeof select_mf, NULL, response, &length), "SCardTransmit");
        if (length < 2 || response[length - 2] != 0x90) {
            fprintf(stderr, "unexpected response to SELECT MF\n");
            return 1;
        }
        transmits++;
    }
    double transmit_rate = transmits / (now() - start);
    check(SCardDisconnect(card, SCARD_LEAVE_CARD), "SCardDisconnect");

    long connects = 0;
    start = now();
    end = start + seconds;
    while (now() < end) {
        check(SCardConnect(context, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card, &protocol),
              "SCardConnect");
        check(SCardDisconnect(card, SCARD_LEAVE_CARD), "SCardDisconnect");
        connects++;
    }
    double connect_rate = connects / (now() - start);
    SCardReleaseContext(context);
    printf("transmit_per_second %.0f\nconnect_per_second %.0f\n", transmit_rate, connect_rate);
    return 0;
}
