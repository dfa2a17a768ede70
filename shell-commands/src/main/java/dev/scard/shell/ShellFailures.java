package dev.scard.shell;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;
import dev.scard.shell.text.UserErrors;

/**
 * The shell's own errors, as Gogo and Karaf expect them (IllegalArgumentException for bad input,
 * IllegalStateException otherwise), each one line that names the problem and ends with the contract's error
 * code, like the API's {@link SCardException} messages do. They are {@link UserErrors}: Karaf logs them at DEBUG,
 * not as ERROR with a stack trace.
 */
final class ShellFailures {

    private ShellFailures() {
    }

    /** Bad input typed in the shell: {@link HResult#E_INVALIDARG}. */
    static IllegalArgumentException badInput(String detail) {
        return UserErrors.input(SCardException.format(HResult.E_INVALIDARG, detail));
    }

    /** A command that needs an attachment, in a session that has none: {@link HResult#SCARD_E_INVALID_HANDLE}. */
    static IllegalStateException notAttached(String detail) {
        return UserErrors.state(SCardException.format(HResult.SCARD_E_INVALID_HANDLE, detail));
    }

    /** Something the command did failed outside the card (writing a file): {@link HResult#E_FAIL}. */
    static IllegalStateException failed(String detail) {
        return UserErrors.state(SCardException.format(HResult.E_FAIL, detail));
    }

    /** A backend or service the command needs is not running: {@link HResult#SCARD_E_NO_SERVICE}. */
    static IllegalStateException unavailable(String detail) {
        return UserErrors.state(SCardException.format(HResult.SCARD_E_NO_SERVICE, detail));
    }
}
