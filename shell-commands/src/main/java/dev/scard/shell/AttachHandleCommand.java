package dev.scard.shell;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
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

    /**
     * {@code scard:attach-handle}, as Gogo calls it.
     *
     * @param session the Gogo session, whose attachment this is
     * @param words the command's name, which Gogo passes first, then the options and the handle as
     *        {@link ScardCommands#ATTACH_HANDLE_USAGE} says
     * @return what the session is attached to, or null after {@code --help}
     */
    @Descriptor(ScardCommands.ATTACH_HANDLE_SUMMARY)
    public Object _main(CommandSession session,
            @Descriptor(ScardCommands.ATTACH_HANDLE_DETAILS) CharSequence... words) {
        CharSequence[] rest = words.length == 0 ? words : java.util.Arrays.copyOfRange(words, 1, words.length);
        return ScardCommands.ATTACH_HANDLE.run(session, rest,
            w -> commands.attachHandle(session, w.option("--backend", ""), w.argument(0)));
    }
}
