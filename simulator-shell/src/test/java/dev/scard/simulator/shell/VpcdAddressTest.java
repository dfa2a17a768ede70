package dev.scard.simulator.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import org.junit.jupiter.api.Test;

import dev.scard.api.SCardException;
import dev.scard.simulator.control.VpcdAddress;

class VpcdAddressTest {

    @Test
    void readsVpcdAddresses() {
        assertThat(VpcdAddress.parse("127.0.0.1:35963")).isEqualTo(new VpcdAddress("127.0.0.1", 35963));
        assertThat(VpcdAddress.parse(" [::1]:1 ")).isEqualTo(new VpcdAddress("::1", 1));
        assertThat(VpcdAddress.parse("host:65535")).isEqualTo(new VpcdAddress("host", 65535));
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> VpcdAddress.parse("35963"))
                .withMessageStartingWith("'35963' is not a vpcd address: use <host>:<port>");
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> VpcdAddress.parse("[]:1"))
                .withMessageStartingWith("'[]' is not a host name or IP address");
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> VpcdAddress.parse("h:65536"))
                .withMessageStartingWith("'65536' in 'h:65536' is not a port number from 1 to 65535");
        assertThat(VpcdAddress.isVpcdAddress("127.0.0.1:35963")).isTrue();
        assertThat(VpcdAddress.isVpcdAddress("0")).isFalse();
        assertThat(VpcdAddress.isVpcdAddress(null)).isFalse();
    }
}
