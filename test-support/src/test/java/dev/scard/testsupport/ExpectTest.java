package dev.scard.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;

class ExpectTest {
    private static final SCardException NO_CARD = new SCardException(HResult.SCARD_E_NO_SMARTCARD, "no card in 'R'");

    @Test
    void failureReturnsTheExceptionWithTheCode() {
        assertThat(Expect.failure(HResult.SCARD_E_NO_SMARTCARD, () -> {
            throw NO_CARD;
        })).isSameAs(NO_CARD);
        assertThat(Expect.failure(HResult.SCARD_E_NO_SMARTCARD, "in 'R'", () -> {
            throw NO_CARD;
        })).isSameAs(NO_CARD);
        assertThat(Expect.failureWithOneOf(() -> {
            throw NO_CARD;
        }, HResult.E_FAIL, HResult.SCARD_E_NO_SMARTCARD)).isSameAs(NO_CARD);
        assertThat(Expect.failure(() -> {
            throw NO_CARD;
        })).isSameAs(NO_CARD);
    }

    @Test
    void failureFailsTheTestOnAnotherCodeAnotherMessageAnotherExceptionOrNone() {
        assertThatThrownBy(() -> Expect.failure(HResult.E_FAIL, () -> {
            throw NO_CARD;
        })).isInstanceOf(AssertionError.class).hasMessageContaining("E_FAIL");
        assertThatThrownBy(() -> Expect.failure(HResult.SCARD_E_NO_SMARTCARD, "reader 'Q'", () -> {
            throw NO_CARD;
        })).isInstanceOf(AssertionError.class).hasMessageContaining("reader 'Q'");
        assertThatThrownBy(() -> Expect.failureWithOneOf(() -> {
            throw NO_CARD;
        }, HResult.E_FAIL, HResult.E_INVALIDARG)).isInstanceOf(AssertionError.class);
        assertThatThrownBy(() -> Expect.failure(HResult.E_FAIL, () -> {
            throw new IOException("disk");
        })).isInstanceOf(AssertionError.class).hasMessageContaining("IOException: disk");
        assertThatThrownBy(() -> Expect.failure(HResult.E_FAIL, () -> { }))
                .isInstanceOf(AssertionError.class).hasMessageContaining("returned normally");
    }

    @Test
    void aMessageOfTwoLinesIsNotWellFormed() {
        SCardException twoLines = new SCardException(HResult.E_FAIL, "first\nsecond");
        assertThatThrownBy(() -> Expect.failure(HResult.E_FAIL, () -> {
            throw twoLines;
        })).isInstanceOf(AssertionError.class);
    }

    @Test
    void codeIsTheFailuresCodeOrNull() {
        assertThat(Expect.code(() -> {
            throw NO_CARD;
        })).isEqualTo(HResult.SCARD_E_NO_SMARTCARD);
        assertThat(Expect.code(() -> { })).isNull();
        assertThatThrownBy(() -> Expect.code(() -> {
            throw new IllegalStateException("other");
        })).isInstanceOf(AssertionError.class).hasMessageContaining("IllegalStateException: other");
    }

    @Test
    void failureOfAFutureWaitsBoundedAndChecksTheCode() throws Exception {
        assertThat(Expect.failureOf(HResult.SCARD_E_NO_SMARTCARD, CompletableFuture.failedFuture(NO_CARD),
                Duration.ofSeconds(1))).isSameAs(NO_CARD);
        assertThatThrownBy(() -> Expect.failureOf(HResult.E_FAIL, CompletableFuture.failedFuture(NO_CARD),
                Duration.ofSeconds(1))).isInstanceOf(AssertionError.class);
        assertThatThrownBy(() -> Expect.failureOf(CompletableFuture.completedFuture("fine"), Duration.ofSeconds(1)))
                .isInstanceOf(AssertionError.class).hasMessageContaining("got fine");
        assertThatThrownBy(() -> Expect.failureOf(new CompletableFuture<>(), Duration.ofMillis(20)))
                .isInstanceOf(AssertionError.class).hasMessageContaining("did not end within PT0.02S");
        assertThatThrownBy(() -> Expect.failureOf(CompletableFuture.failedFuture(new IllegalStateException()),
                Duration.ofSeconds(1))).isInstanceOf(AssertionError.class);
    }
}
