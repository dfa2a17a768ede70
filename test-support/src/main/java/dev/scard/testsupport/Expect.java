package dev.scard.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;

/**
 * Assertions on the API's one failure type, {@link SCardException}: that a call (or a task on another thread)
 * fails with a given {@link HResult}, with a message of the error model's form (one line ending with
 * {@code [NAME 0x........]}). Each returns the exception for further checks.
 */
public final class Expect {

    /** A call that is expected to fail; it may throw anything. */
    @FunctionalInterface
    public interface Call {
        /**
         * Makes the call.
         *
         * @throws Exception whatever the call throws
         */
        void run() throws Exception;
    }

    private Expect() {
    }

    /**
     * Runs {@code call} and asserts that it throws an {@link SCardException} with {@code code} and a well-formed
     * message.
     *
     * @param code the code the call must fail with
     * @param call the call
     * @return the exception, for further checks
     */
    public static SCardException failure(HResult code, Call call) {
        SCardException e = failure(call);
        assertThat(e.code()).as("code of \"%s\"", e.getMessage()).isEqualTo(code);
        assertThat(e.hresult()).isEqualTo(code.value());
        return e;
    }

    /**
     * Runs {@code call} and asserts that it throws an {@link SCardException} with {@code code} whose message
     * contains {@code messagePart} and is well-formed.
     *
     * @param code the code the call must fail with
     * @param messagePart text the message must contain
     * @param call the call
     * @return the exception, for further checks
     */
    public static SCardException failure(HResult code, String messagePart, Call call) {
        SCardException e = failure(code, call);
        assertThat(e.getMessage()).contains(messagePart);
        return e;
    }

    /**
     * Runs {@code call} and asserts that it throws an {@link SCardException} with one of {@code codes} (where
     * either is allowed) and a well-formed message.
     *
     * @param call the call
     * @param codes the codes the call may fail with
     * @return the exception, for further checks
     */
    public static SCardException failureWithOneOf(Call call, HResult... codes) {
        SCardException e = failure(call);
        assertThat(e.code()).as("code of \"%s\"", e.getMessage()).isIn((Object[]) codes);
        return e;
    }

    /**
     * Runs {@code call} and asserts that it throws an {@link SCardException} (of any code) with a well-formed
     * message.
     *
     * @param call the call
     * @return the exception, for further checks
     */
    public static SCardException failure(Call call) {
        try {
            call.run();
        } catch (SCardException e) {
            assertWellFormedMessage(e);
            return e;
        } catch (Exception e) {
            throw new AssertionError("expected an SCardException but got " + e, e);
        }
        return fail("expected an SCardException but the call returned normally");
    }

    /**
     * The code {@code call} fails with, or {@code null} when it returns normally (so that
     * {@code assertThat(code(call)).isEqualTo(...)} reads as one line and a call that must succeed can be
     * checked with {@code isNull()}). Any other exception fails the test.
     *
     * @param call the call
     * @return the code of the {@link SCardException} the call threw, or {@code null}
     */
    public static HResult code(Call call) {
        try {
            call.run();
            return null;
        } catch (SCardException e) {
            return e.code();
        } catch (Exception e) {
            throw new AssertionError("expected an SCardException or none but got " + e, e);
        }
    }

    /**
     * The {@link SCardException} that {@code future} (a task on another thread) ends with; fails the test when it
     * does not end within {@code bound}, returns normally or fails with another exception.
     *
     * @param future the task's result
     * @param bound how long to wait at most
     * @return the exception, for further checks
     * @throws InterruptedException when the test thread is interrupted while waiting
     */
    public static SCardException failureOf(Future<?> future, Duration bound) throws InterruptedException {
        try {
            Object value = future.get(bound.toMillis(), TimeUnit.MILLISECONDS);
            return fail("expected a failure, got %s", value);
        } catch (TimeoutException e) {
            return fail("the task did not end within %s", bound);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(SCardException.class);
            SCardException failure = (SCardException) e.getCause();
            assertWellFormedMessage(failure);
            return failure;
        }
    }

    /**
     * The {@link SCardException} with {@code code} that {@code future} ends with within {@code bound}; see
     * {@link #failureOf(Future, Duration)}.
     *
     * @param code the code the task must fail with
     * @param future the task's result
     * @param bound how long to wait at most
     * @return the exception, for further checks
     * @throws InterruptedException when the test thread is interrupted while waiting
     */
    public static SCardException failureOf(HResult code, Future<?> future, Duration bound)
            throws InterruptedException {
        SCardException e = failureOf(future, bound);
        assertThat(e.code()).as("code of \"%s\"", e.getMessage()).isEqualTo(code);
        return e;
    }

    /**
     * Asserts the message format of the error model: not blank, one line, ending {@code [NAME 0x........]}.
     *
     * @param e the exception
     */
    public static void assertWellFormedMessage(SCardException e) {
        String message = e.getMessage();
        assertThat(message).as("message of %s", e.code()).isNotBlank().doesNotContain("\n", "\r")
                .endsWith("[" + e.code().name() + " " + e.code().hex() + "]");
    }
}
