package io.nemospawn.core.internal.runtime;

import io.nemospawn.AgentLaunchException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Runs the agent as a child process inside a bubblewrap ({@code bwrap}) sandbox: the whole file
 * system read-only, a private {@code /tmp}, only its worktree and team directory (and the data
 * directory's audit log and locks, which its CLI calls write) writable, its own IPC and UTS
 * namespaces (not PID: the state directory's temp-file cleanup needs shared pids), no network
 * unless the profile allows it, and the NVIDIA device nodes passed
 * through. {@code --die-with-parent} ties the sandbox to the wrapper that records the exit code.
 *
 * <p>When {@code bwrap} is missing or the kernel forbids unprivileged user namespaces, spawning
 * fails with a message saying which and what to do; nothing runs unsandboxed by surprise.
 */
public final class SandboxRuntime extends ProcessRuntime {
  private static volatile @Nullable Optional<String> probed;

  @Override
  public String name() {
    return "sandbox";
  }

  @Override
  public Optional<String> unavailableReason() {
    Optional<String> p = probed;
    if (p == null) {
      p = probe();
      probed = p;
    }
    return p;
  }

  private static Optional<String> probe() {
    if (Exec.which("bwrap").isEmpty()) {
      return Optional.of("bubblewrap (bwrap) is not installed; install it with"
          + " 'apt-get install -y bubblewrap', or choose the process runtime (no isolation)");
    }
    Exec.Result r = Exec.run(
        List.of(
            "bwrap", "--ro-bind", "/", "/", "--unshare-ipc", "--unshare-net", "--", "/bin/true"),
        null,
        Map.of(),
        Duration.ofSeconds(20));
    if (!r.ok()) {
      return Optional.of("bwrap cannot create namespaces on this host (" + r.why() + "); the kernel"
          + " forbids unprivileged user namespaces: allow them (sysctl"
          + " kernel.unprivileged_userns_clone=1, user.max_user_namespaces>0, or the AppArmor"
          + " profile for bwrap), or choose the process runtime (no isolation)");
    }
    return Optional.empty();
  }

  @Override
  public Launched start(Launch launch) {
    unavailableReason().ifPresent(why -> {
      throw new AgentLaunchException(
          launch.agentName(),
          launch.command(),
          -1,
          "Cannot spawn agent '" + launch.agentName() + "' with the sandbox runtime: " + why,
          null);
    });
    return startWrapped(launch, bwrapArgv(launch));
  }

  /** Returns the bwrap command line that runs the agent's command in the sandbox. */
  static List<String> bwrapArgv(Launch launch) {
    List<String> a = new ArrayList<>(List.of(
        "bwrap", "--ro-bind", "/", "/", "--tmpfs", "/tmp", "--proc", "/proc", "--dev", "/dev"));
    for (Path dev : nvidiaDevices()) {
      a.addAll(List.of("--dev-bind", dev.toString(), dev.toString()));
    }
    // Binds come after the tmpfs so that paths under /tmp stay visible: whatever the command
    // names there (its program, a `-cp a.jar:b.jar` class path, a script), read-only, and the
    // agent's writable directories.
    List<String> named = new ArrayList<>(launch.command());
    named.addAll(launch.env().values());
    for (String p : pathsUnderTmp(named)) {
      a.addAll(List.of("--ro-bind", p, p));
    }
    for (Path w : launch.writable()) {
      if (Files.exists(w)) {
        String p = w.toAbsolutePath().normalize().toString();
        a.addAll(List.of("--bind", p, p));
      }
    }
    String work = launch.workDir().toAbsolutePath().normalize().toString();
    // No PID namespace: the state directory's crash cleanup decides from the pid in a temp file's
    // name whether its writer still runs, which only works when all writers share one PID space.
    a.addAll(List.of("--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"));
    if (!launch.network()) {
      a.add("--unshare-net");
    }
    a.addAll(List.of("--die-with-parent", "--new-session", "--chdir", work, "--"));
    a.addAll(launch.command());
    return a;
  }

  /**
   * Returns the top-level {@code /tmp/<dir>} of every existing path under {@code /tmp} that the
   * given words name, whole or as parts of a {@code :}-separated list such as a class path, in
   * order, once each.
   */
  static List<String> pathsUnderTmp(List<String> command) {
    java.util.Set<String> found = new java.util.LinkedHashSet<>();
    for (String arg : command) {
      for (String part : arg.split(":")) {
        if (!part.startsWith("/tmp/") || part.indexOf('\0') >= 0) {
          continue;
        }
        try {
          Path p = Path.of(part).normalize();
          if (p.startsWith("/tmp") && p.getNameCount() > 1 && Files.exists(p)) {
            // The whole top-level directory: an install there finds its own files by relative
            // paths (bin/nemospawn finds its jar), read-only; writable dirs are bound after it.
            found.add("/" + p.subpath(0, 2));
          }
        } catch (java.nio.file.InvalidPathException e) {
          // Not a path after all.
        }
      }
    }
    return new ArrayList<>(found);
  }

  /** Returns {@code /dev/nvidia*} device nodes (GPUs, control, UVM) present on this host. */
  static List<Path> nvidiaDevices() {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(Path.of("/dev"), "nvidia*")) {
      for (Path p : s) {
        if (!Files.isDirectory(p)) {
          out.add(p);
        }
      }
    } catch (IOException e) {
      return out;
    }
    out.sort(null);
    return out;
  }
}
