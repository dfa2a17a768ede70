package dev.scard.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class SessionRegistryTest {

    /** Equal to every other instance: the registry must still tell sessions apart. */
    private static final class EqualSession {
        @Override
        public boolean equals(Object other) {
            return other instanceof EqualSession;
        }

        @Override
        public int hashCode() {
            return 1;
        }
    }

    @Test
    void keepsOneValuePerSessionByIdentity() {
        SessionRegistry<String> registry = new SessionRegistry<>();
        Object a = new EqualSession();
        Object b = new EqualSession();
        registry.put(a, "a");
        registry.put(b, "b");
        assertThat(registry.get(a)).isEqualTo("a");
        assertThat(registry.get(b)).isEqualTo("b");
        assertThat(registry.size()).isEqualTo(2);
    }

    @Test
    void replacesAndRemoves() {
        SessionRegistry<String> registry = new SessionRegistry<>();
        Object session = new Object();
        assertThat(registry.put(session, "first")).isNull();
        assertThat(registry.put(session, "second")).isEqualTo("first");
        assertThat(registry.remove(session)).isEqualTo("second");
        assertThat(registry.get(session)).isNull();
        assertThat(registry.remove(session)).isNull();
        assertThat(registry.size()).isZero();
    }

    @Test
    void clearHandsBackEveryValue() {
        SessionRegistry<String> registry = new SessionRegistry<>();
        Object a = new Object();
        Object b = new Object();
        registry.put(a, "a");
        registry.put(b, "b");
        assertThat(registry.clear()).containsExactlyInAnyOrder("a", "b");
        assertThat(registry.get(a)).isNull();
        assertThat(registry.expunge()).isEmpty();
    }

    @Test
    void handsBackTheValuesOfCollectedSessions() throws InterruptedException {
        SessionRegistry<String> registry = new SessionRegistry<>();
        Object kept = new Object();
        registry.put(kept, "kept");
        registry.put(new Object(), "forgotten");
        List<String> expunged = new ArrayList<>();
        for (int i = 0; i < 100 && expunged.isEmpty(); i++) {
            System.gc();
            Thread.sleep(20);
            expunged.addAll(registry.expunge());
        }
        assertThat(expunged).containsExactly("forgotten");
        assertThat(registry.get(kept)).isEqualTo("kept");
        assertThat(registry.size()).isEqualTo(1);
    }
}
