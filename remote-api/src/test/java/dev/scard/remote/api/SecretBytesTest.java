package dev.scard.remote.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** The UTF-8 bytes of a secret, and none for a missing one. */
class SecretBytesTest {

    @Test
    void aSecretIsItsUtf8Bytes() {
        assertThat(SecretBytes.utf8("grüne Tür 🔑")).isEqualTo("grüne Tür 🔑".getBytes(StandardCharsets.UTF_8));
        assertThat(SecretBytes.utf8(new StringBuilder("abc"))).containsExactly('a', 'b', 'c');
    }

    @Test
    void noSecretIsNoBytes() {
        assertThat(SecretBytes.utf8(null)).isEmpty();
        assertThat(SecretBytes.utf8("")).isEmpty();
    }
}
