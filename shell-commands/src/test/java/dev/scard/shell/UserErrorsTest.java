package dev.scard.shell;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;
import dev.scard.shell.text.UserErrors;

/**
 * User errors carry the simple class name Karaf's console logs at DEBUG ({@code CommandException}) and a public
 * {@code getNiceHelp()}; faults keep their own class, so Karaf still logs them at ERROR with a stack trace.
 */
class UserErrorsTest {

    /** What Karaf's ShellUtil does with a failed command's exception: compare the simple name, call getNiceHelp. */
    private static String karafNiceHelp(Throwable t) throws Exception {
        assertThat(t.getClass().getSimpleName()).isEqualTo("CommandException");
        return (String) t.getClass().getMethod("getNiceHelp").invoke(t);
    }

    @Test
    void badInputIsAnIllegalArgumentExceptionKarafTakesForAUserError() throws Exception {
        IllegalArgumentException e = ShellFailures.badInput("'zz' is not hex");

        assertThat(e.getMessage()).isEqualTo("'zz' is not hex [E_INVALIDARG 0x80070057]");
        assertThat(karafNiceHelp(e)).isEqualTo("Error executing command: 'zz' is not hex [E_INVALIDARG 0x80070057]");
    }

    @Test
    void notAttachedAndUnavailableAreIllegalStateExceptionsKarafTakesForUserErrors() throws Exception {
        IllegalStateException notAttached = ShellFailures.notAttached("run scard:attach first");
        IllegalStateException unavailable = ShellFailures.unavailable("no backend");

        assertThat(karafNiceHelp(notAttached))
                .isEqualTo("Error executing command: run scard:attach first [SCARD_E_INVALID_HANDLE 0x80100003]");
        assertThat(karafNiceHelp(unavailable))
                .isEqualTo("Error executing command: no backend [SCARD_E_NO_SERVICE 0x8010001D]");
    }

    @Test
    void anApiFailureBecomesAUserErrorWithTheSameCodeMessageAndTries() throws Exception {
        SCardException api = new SCardException(HResult.SCARD_W_WRONG_CHV, "wrong PIN", 2, null);

        RuntimeException thrown = UserErrors.userError(api);

        assertThat(thrown).isInstanceOf(SCardException.class).hasMessage(api.getMessage()).hasCause(api);
        SCardException user = (SCardException) thrown;
        assertThat(user.code()).isEqualTo(HResult.SCARD_W_WRONG_CHV);
        assertThat(user.remainingTries()).hasValue(2);
        assertThat(karafNiceHelp(thrown)).isEqualTo("Error executing command: " + api.getMessage());
        assertThat(UserErrors.userError(thrown)).as("converted once").isSameAs(thrown);
    }

    @Test
    void faultsStayAsTheyAreSoKarafLogsThemAsErrors() {
        NullPointerException bug = new NullPointerException("bug");
        SCardException internal = new SCardException(HResult.SCARD_F_INTERNAL_ERROR, "broken");
        SCardException unexpected = new SCardException(HResult.E_UNEXPECTED, "unexpected");

        assertThat(UserErrors.userError(bug)).isSameAs(bug);
        assertThat(UserErrors.userError(internal)).isSameAs(internal);
        assertThat(UserErrors.userError(unexpected)).isSameAs(unexpected);
        assertThat(UserErrors.card(HResult.SCARD_F_COMM_ERROR, "link lost", -1).getClass())
                .isEqualTo(SCardException.class);
        assertThat(UserErrors.card(HResult.SCARD_E_FILE_NOT_FOUND, "cat 4402: no such file", -1).getClass()
                .getSimpleName()).isEqualTo("CommandException");
    }

    @Test
    void aReportingProxyForwardsAndTurnsContractErrorsIntoUserErrors() throws Exception {
        java.util.function.Function<String, String> target = what -> switch (what) {
            case "ok" -> "done";
            case "user" -> throw new SCardException(HResult.SCARD_E_NO_SMARTCARD, "no card");
            case "fault" -> throw new SCardException(HResult.SCARD_F_INTERNAL_ERROR, "broken");
            default -> throw new NullPointerException("bug");
        };
        @SuppressWarnings("unchecked")
        java.util.function.Function<String, String> reporting = UserErrors.reporting(java.util.function.Function.class,
                target);

        assertThat(reporting.apply("ok")).isEqualTo("done");
        SCardException user = org.assertj.core.api.Assertions.catchThrowableOfType(() -> reporting.apply("user"),
                SCardException.class);
        assertThat(user.code()).isEqualTo(HResult.SCARD_E_NO_SMARTCARD);
        assertThat(user).hasMessage("no card [SCARD_E_NO_SMARTCARD 0x8010000C]");
        assertThat(karafNiceHelp(user)).isEqualTo("Error executing command: no card [SCARD_E_NO_SMARTCARD 0x8010000C]");
        Throwable fault = org.assertj.core.api.Assertions.catchThrowable(() -> reporting.apply("fault"));
        assertThat(fault.getClass()).isEqualTo(SCardException.class);
        Throwable bug = org.assertj.core.api.Assertions.catchThrowable(() -> reporting.apply("bug"));
        assertThat(bug).isInstanceOf(NullPointerException.class).hasMessage("bug");
    }
}
