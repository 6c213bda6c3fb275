package io.nemospawn.core.internal.launch;

import io.nemospawn.AgentLaunchException;
import io.nemospawn.launch.LaunchOptions;
import io.nemospawn.launch.LaunchPlan;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Turns a planned agent's {@code agent} into the command or profile that spawns it. */
final class AgentCommands {
  /** The demo agent's main class (module nemospawn-demo). */
  static final String DEMO_MAIN = "io.nemospawn.demo.DemoAgent";

  private AgentCommands() {}

  /** Returns the profile name of a planned agent, or an empty string when it runs a command. */
  static String profile(LaunchPlan.PlannedAgent a) {
    return a.agent().startsWith("profile:") ? a.agent().substring("profile:".length()) : "";
  }

  /**
   * Returns the command of a planned agent (empty when a profile runs it): the demo agent runs
   * in a JVM like this one, with this class path; other commands are split on blanks, never
   * given to a shell.
   */
  static List<String> command(LaunchPlan.PlannedAgent a) {
    if (!profile(a).isEmpty()) {
      return List.of();
    }
    if (a.agent().equals(LaunchOptions.DEMO)) {
      String res = DEMO_MAIN.replace('.', '/') + ".class";
      if (AgentCommands.class.getClassLoader().getResource(res) == null
          && ClassLoader.getSystemResource(res) == null) {
        throw new AgentLaunchException(
            a.name(),
            List.of(LaunchOptions.DEMO),
            -1,
            "Cannot start the demo agent for '" + a.name() + "': io.nemospawn:nemospawn-demo is"
                + " not on the class path. Add it, or use the nemospawn CLI, which has it.",
            null);
      }
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      return List.of(
          java,
          "-XX:+UseSerialGC",
          "-Xmx256m",
          "-Xshare:auto",
          "-cp",
          System.getProperty("java.class.path"),
          DEMO_MAIN);
    }
    List<String> cmd = new ArrayList<>();
    // (a command given by the user: split on blanks, never passed to a shell)
    for (String part : a.agent().strip().split("\\s+")) {
      cmd.add(part);
    }
    return cmd;
  }

  /**
   * Returns this JVM's class path plus the jars and directories of the URL class loaders above
   * this class (JShell's {@code --class-path}, application servers), so the demo agent's JVM
   * sees the same classes.
   */
  static String classPath() {
    java.util.LinkedHashSet<String> entries = new java.util.LinkedHashSet<>();
    for (String e : System.getProperty("java.class.path", "").split(java.io.File.pathSeparator)) {
      if (!e.isEmpty()) {
        entries.add(e);
      }
    }
    for (ClassLoader l = AgentCommands.class.getClassLoader(); l != null; l = l.getParent()) {
      if (l instanceof java.net.URLClassLoader u) {
        for (java.net.URL url : u.getURLs()) {
          if (url.getProtocol().equals("file")) {
            try {
              entries.add(Path.of(url.toURI()).toString());
            } catch (java.net.URISyntaxException | IllegalArgumentException e) {
              // not a plain file URL; the JVM's own class path still holds the rest
            }
          }
        }
      }
    }
    return String.join(java.io.File.pathSeparator, entries);
  }
}
