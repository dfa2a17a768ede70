package dev.scard.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.scard.api.HResult;
import dev.scard.api.ISCardVerify;
import dev.scard.api.SCardException;

/**
 * The commands for the rest of the contract, over the sample card: CreateInterface ({@code scard:iface}),
 * User_Auth ({@code scard:userauth}), ResetSecurityState ({@code scard:logout}), GetFileCapabilities
 * ({@code scard:capabilities}) and SetProperties ({@code scard:setprop}).
 */
class ContractCommandsTest {

    private final CardShell shell = new CardShell();

    @AfterEach
    void tearDown() {
        shell.close();
    }

    @Test
    void createInterfaceByNameOrGuidSaysWhatAnswered() {
        assertThat(shell.commands.createInterface(shell.session, "ISCardAuth", "")).startsWith(
                "Created ISCardAuth for name 'ISCardAuth'; answered by a factory outside any bundle (");
        assertThat(shell.commands.createInterface(shell.session, "{" + ISCardVerify.IID + "}", "")).startsWith(
                "Created ISCardVerify for GUID " + ISCardVerify.IID.toString().toLowerCase() + "; answered by ");
        assertThatExceptionOfType(SCardException.class)
                .isThrownBy(() -> shell.commands.createInterface(shell.session, "CryptoProvider", ""))
                .satisfies(e -> assertThat(e.code()).isEqualTo(HResult.E_NOINTERFACE));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> shell.commands.createInterface(shell.session, "ISCardAuth", "ISCardAuth"))
                .withMessage("'ISCardAuth' is not a GUID; -n gives the name to fall back on when a GUID is given"
                        + " [E_INVALIDARG 0x80070057]");
    }

    @Test
    void userAuthIsAVerifyWithTheUsersDataAndLogoutForgetsIt() {
        shell.files.cd(shell.session, "5015");
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> shell.files.cat(shell.session, "4402"))
                .satisfies(e -> assertThat(e.code()).isEqualTo(HResult.SCARD_E_NO_ACCESS));
        assertThatExceptionOfType(SCardException.class)
                .isThrownBy(() -> shell.pins.userauth(shell.session, "0", "1", "9999"))
                .withMessage("userauth reference 01: wrong user data, 2 tries left (SW 63C2)"
                        + " [SCARD_W_WRONG_CHV 0x8010006B]");
        assertThat(shell.pins.userauth(shell.session, "0", "0x01", "1234")).isEqualTo(
                "User authenticated with reference 01");
        assertThat(shell.files.cat(shell.session, "4402")).contains("|read and update |");

        assertThat(shell.pins.logout(shell.session, false, true)).isEqualTo(
                "Security state reset: the local verifications are forgotten");
        assertThat(shell.files.cat(shell.session, "4402")).contains("|read and update |");
        assertThat(shell.pins.logout(shell.session, false, false)).isEqualTo(
                "Security state reset: every verification (global and local) is forgotten");
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> shell.files.cat(shell.session, "4402"))
                .satisfies(e -> assertThat(e.code()).isEqualTo(HResult.SCARD_E_NO_ACCESS));
        assertThatIllegalArgumentException().isThrownBy(() -> shell.pins.userauth(shell.session, "0", "256", "1"))
                .withMessageContaining("256");
    }

    @Test
    void capabilitiesShowTheCurrentFilesFcp() {
        shell.files.cd(shell.session, "5015");
        assertThat(shell.commands.apdu(shell.session, "00 A4 00 00 02 50 15")).endsWith("SW 9000 success");
        String all = shell.files.capabilities(shell.session);
        assertThat(all).startsWith("File:").contains("Type:").contains("DF").contains("FCP entries:");
        assertThat(shell.files.capabilities(shell.session, "8A", "0x99")).isEqualTo("8A: 05\n99: not in the FCP");
        assertThatIllegalArgumentException().isThrownBy(() -> shell.files.capabilities(shell.session, "zz"))
                .withMessageContaining("'0xzz' is not a number");
    }

    @Test
    void setPropertiesChangesTheLifeCycle() {
        assertThat(shell.pins.verify(shell.session, false, false, "1", "1234")).isEqualTo("PIN 1 verified");
        assertThat(shell.files.setprop(shell.session, "2F01", "lifecycle", "deactivated")).isEqualTo(
                "Set the life cycle (8A) of 2F01: operational, deactivated (04)");
        assertThatExceptionOfType(SCardException.class).isThrownBy(() -> shell.files.cat(shell.session, "2F01"))
                .satisfies(e -> assertThat(e.code()).isEqualTo(HResult.SCARD_E_NO_ACCESS));
        assertThat(shell.files.setprop(shell.session, "2F01", "8A", "05")).isEqualTo(
                "Set the life cycle (8A) of 2F01: operational, activated (05)");
        assertThat(shell.files.cat(shell.session, "2F01")).isNotEmpty();
        assertThatExceptionOfType(SCardException.class)
                .isThrownBy(() -> shell.files.setprop(shell.session, "2F01", "80", "00", "10"))
                .satisfies(e -> assertThat(e.code()).isEqualTo(HResult.SCARD_E_UNSUPPORTED_FEATURE))
                .withMessageStartingWith("setprop 2F01 80: ");
    }
}
