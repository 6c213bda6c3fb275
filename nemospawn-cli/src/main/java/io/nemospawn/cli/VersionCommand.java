package io.nemospawn.cli;

import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Mixin;

/** {@code nemospawn version}: prints the version of NemoSpawn and of the JVM. */
@Command(
    name = "version",
    mixinStandardHelpOptions = true,
    description = "Prints the NemoSpawn version.")
final class VersionCommand implements Callable<Integer> {
  @Mixin
  Output out;

  static String version() {
    String v = VersionCommand.class.getPackage().getImplementationVersion();
    return v == null ? "0.1.0-SNAPSHOT" : v;
  }

  @Override
  public Integer call() {
    if (out.json()) {
      out.json(Map.of("version", version(), "java", Runtime.version().toString()));
    } else {
      out.println("nemospawn " + version() + " (Java " + Runtime.version() + ")");
    }
    return ExitCodes.OK;
  }

  /** Supplies {@code --version}. */
  static final class Provider implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"nemospawn " + version()};
    }
  }
}
