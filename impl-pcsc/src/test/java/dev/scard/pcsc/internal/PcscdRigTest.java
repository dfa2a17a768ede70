package dev.scard.pcsc.internal;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** Without a usable pcscd the real-pcscd tests are skipped, except on CI, where they fail. */
class PcscdRigTest {

    @Test
    void withoutPcscdTestsAreSkippedLoudlyOrFailOnCi() {
        assertThatThrownBy(() -> PcscdRig.skipOrFail("pcscd is not installed", false))
                .isInstanceOf(TestAbortedException.class).hasMessageContaining("pcscd is not installed");
        assertThatThrownBy(() -> PcscdRig.skipOrFail("pcscd is not installed", true))
                .isInstanceOf(AssertionFailedError.class).hasMessageContaining("CI=true");
    }
}
