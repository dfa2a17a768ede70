package dev.scard.shell;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code scard:attach-handle <handle>}: attaches this shell session to the card behind a handle
 * ({@code AttachByHandle}). Gogo calls a command by the Java method of the same name, and
 * {@code attach-handle} is no Java name, so this command is its own service whose {@code _main} method Gogo
 * calls with the command name as first argument; the work is done by {@link ScardCommands}, which holds the
 * sessions. Only a handle this session opened with {@code scard:connect} is accepted: a handle belongs to the session
 * that opened it. Gogo's {@code help} lists commands by method name and so does not show this one; Karaf shows the
 * {@code osgi.command.description} property.
 */
@Component(service = AttachHandleCommand.class, immediate = true,
        property = "osgi.command.description=attach this shell session to the card behind a handle it opened with"
                + " scard:connect (AttachByHandle)")
@GogoCommand(scope = "scard", function = "attach-handle")
public class AttachHandleCommand {

    private final ScardCommands commands;

    @Activate
    public AttachHandleCommand(@Reference ScardCommands commands) {
        this.commands = commands;
    }

    @Descriptor("attach this shell session to the card behind a handle it opened with scard:connect"
            + " (AttachByHandle); the handle stays open after scard:detach")
    public String _main(
            @Descriptor("the shell session, whose attachment this is") CommandSession session,
            @Descriptor("backend that issued the handle, when several could have")
            @Parameter(names = {"-b", "--backend"}, absentValue = "") String backend,
            @Descriptor("the command's name, attach-handle, which Gogo passes first") String command,
            @Descriptor("handle number as scard:connect printed it") String handle) {
        return commands.attachHandle(session, backend, handle);
    }
}
