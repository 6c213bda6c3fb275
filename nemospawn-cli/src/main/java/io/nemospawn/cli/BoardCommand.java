package io.nemospawn.cli;

import picocli.CommandLine.Command;

/** {@code nemospawn board serve|live|attach}: watching a team. */
@Command(
    name = "board",
    mixinStandardHelpOptions = true,
    description = "Watches a team: the web board, the terminal board and a tiled tmux attach.",
    subcommands = {
      BoardServeCommand.class,
      BoardKeyCommand.class,
      BoardLiveCommand.class,
      BoardAttachCommand.class
    })
final class BoardCommand {}
