package dev.scard.remote.api;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A configured secret (a host's, or the one a client sends) as the UTF-8 bytes both sides of {@link RemoteCardHost}
 * use, without leaving a copy behind: the encoder's intermediate buffer is wiped. The caller owns the returned array
 * and wipes it when done with it. Nothing here logs or shows the value.
 */
public final class SecretBytes {

    private SecretBytes() {
    }

    /**
     * The UTF-8 bytes of a secret.
     *
     * @param secret the secret; null or empty for none
     * @return a new array of its UTF-8 bytes; empty for none
     */
    public static byte[] utf8(CharSequence secret) {
        if (secret == null || secret.length() == 0) {
            return new byte[0];
        }
        ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(secret));
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);
        if (encoded.hasArray()) {
            Arrays.fill(encoded.array(), (byte) 0);
        }
        return bytes;
    }
}
