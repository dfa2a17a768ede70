package dev.scard.itest.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;

/** Assertions on the API's one failure type. */
public final class Expect {

    /** A call that is expected to fail. */
    @FunctionalInterface
    public interface Call {
        void run() throws Exception;
    }

    private Expect() {
    }

    /**
     * Runs {@code call} and asserts that it throws an {@link SCardException} with {@code code}, whose message
     * is one line ending with the code's symbolic name and value, as the error model says.
     *
     * @return the exception, for further checks
     */
    public static SCardException failure(HResult code, Call call) {
        try {
            call.run();
        } catch (SCardException e) {
            assertThat(e.code()).as("code of \"%s\"", e.getMessage()).isEqualTo(code);
            assertThat(e.hresult()).isEqualTo(code.value());
            assertWellFormedMessage(e);
            return e;
        } catch (Exception e) {
            throw new AssertionError("expected SCardException " + code + " but got " + e, e);
        }
        return fail("expected SCardException %s but the call returned normally", code);
    }

    /**
     * Runs {@code call} and asserts that it throws an {@link SCardException} with one of {@code codes} (where the
     * contract allows either), with a well-formed message.
     *
     * @return the exception, for further checks
     */
    public static SCardException failureWithOneOf(Call call, HResult... codes) {
        try {
            call.run();
        } catch (SCardException e) {
            assertThat(e.code()).as("code of \"%s\"", e.getMessage()).isIn((Object[]) codes);
            assertWellFormedMessage(e);
            return e;
        } catch (Exception e) {
            throw new AssertionError("expected an SCardException with one of " + java.util.List.of(codes)
                    + " but got " + e, e);
        }
        return fail("expected an SCardException with one of %s but the call returned normally",
                java.util.List.of(codes));
    }

    /** Asserts the message format of the error model: one line, ending "[NAME 0x........]". */
    public static void assertWellFormedMessage(SCardException e) {
        String message = e.getMessage();
        assertThat(message).as("message of %s", e.code()).isNotBlank().doesNotContain("\n", "\r")
                .endsWith("[" + e.code().name() + " " + e.code().hex() + "]");
    }
}
