package io.nemospawn.cli;

import io.nemospawn.state.AccessKeys;
import io.nemospawn.state.Authorizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code nemospawn board key add|generate|list}: the access keys of the data directory. A key is
 * read from stdin or a file, never from the command line, and only its salted hash is stored.
 */
@Command(
    name = "key",
    mixinStandardHelpOptions = true,
    description =
        "Access keys of the board (stored as salted hashes in <data dir>/access-keys.json).",
    subcommands = {
      BoardKeyCommand.Add.class,
      BoardKeyCommand.Generate.class,
      BoardKeyCommand.ListCmd.class
    })
final class BoardKeyCommand {
  private BoardKeyCommand() {}

  @Command(
      name = "add",
      mixinStandardHelpOptions = true,
      description = "Adds a key read from stdin (or --file): at least 32 characters, one line.")
  static final class Add implements Callable<Integer> {
    @Mixin
    Output out;

    @Mixin
    StateOptions state;

    @Option(
        names = "--file",
        paramLabel = "FILE",
        description = "Read the key from FILE instead of stdin.")
    Path file;

    @Option(
        names = "--label",
        defaultValue = "added",
        description = "A label to tell keys apart (default: ${DEFAULT-VALUE}).")
    String label;

    @Override
    public Integer call() throws IOException {
      String key;
      if (file != null) {
        key = Files.readString(file, StandardCharsets.UTF_8);
      } else {
        InputStream in = System.in;
        key = new String(in.readNBytes(4096), StandardCharsets.UTF_8);
      }
      key = key.strip();
      Authorizer a = Authorizer.of(state.dataDir());
      a.checkAdminister(AuthCommand.caller(a), "add access keys");
      AccessKeys keys = AccessKeys.of(state.dataDir());
      keys.add(key, label);
      out.println("Added a key labelled '" + label + "' to " + keys.file());
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "generate",
      mixinStandardHelpOptions = true,
      description = "Generates a new 256-bit key and prints it once.")
  static final class Generate implements Callable<Integer> {
    @Mixin
    Output out;

    @Mixin
    StateOptions state;

    @Option(
        names = "--label",
        defaultValue = "generated",
        description = "A label to tell keys apart (default: ${DEFAULT-VALUE}).")
    String label;

    @Override
    public Integer call() {
      Authorizer a = Authorizer.of(state.dataDir());
      a.checkAdminister(AuthCommand.caller(a), "generate access keys");
      AccessKeys keys = AccessKeys.of(state.dataDir());
      String key = keys.generate(label);
      out.println(key);
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Lists the keys: id, label, creation time (never the keys).")
  static final class ListCmd implements Callable<Integer> {
    @Mixin
    Output out;

    @Mixin
    StateOptions state;

    @Override
    public Integer call() {
      var rows = AccessKeys.of(state.dataDir()).list();
      if (out.json()) {
        out.json(rows);
      } else {
        out.table(
            List.of("ID", "LABEL", "CREATED"),
            rows.stream()
                .map(m -> List.of(m.get("id"), m.get("label"), m.get("created_at")))
                .toList());
      }
      return ExitCodes.OK;
    }
  }
}
