package io.nemospawn.cli;

import io.nemospawn.cluster.ssh.Cluster;
import io.nemospawn.cluster.ssh.ClusterStatus;
import io.nemospawn.cluster.ssh.Clusters;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nemospawn cluster register|list|status|remove}: SSH hosts that agents and artifacts can
 * go to (docs/clusters.md). 1.0's forms work as written: {@code cluster register NAME --host H
 * [--key PATH] [--user root] [--mount M]}, {@code cluster list}, {@code cluster status NAME}.
 */
@Command(
    name = "cluster",
    mixinStandardHelpOptions = true,
    description = "Registers SSH hosts (clusters) for remote agents and artifact transfer.",
    subcommands = {
      ClusterCommand.RegisterCmd.class,
      ClusterCommand.ListCmd.class,
      ClusterCommand.StatusCmd.class,
      ClusterCommand.RemoveCmd.class
    })
final class ClusterCommand {

  static Map<String, Object> map(Cluster c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", c.name());
    m.put("host", c.host());
    m.put("port", c.port());
    m.put("user", c.user());
    m.put("key", keyText(c, ""));
    m.put("mount", c.mount());
    m.put("created_at", c.createdAt().toString());
    return m;
  }

  static String keyText(Cluster c, String none) {
    Path k = c.keyPath();
    return k == null ? none : k.toString();
  }

  @Command(
      name = "register",
      mixinStandardHelpOptions = true,
      description = {
        "Registers a cluster (replacing one of the same name). The key is referenced by its path,"
            + " never copied; the record is <data dir>/clusters/NAME.json, mode 0600.",
        "Checks the host key: a host not in <data dir>/clusters/known_hosts or ~/.ssh/known_hosts"
            + " is refused unless --accept-host-key (which records its key); a changed key is"
            + " always refused. --no-check registers without connecting."
      })
  static final class RegisterCmd extends StateSubcommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "The cluster's name.")
    String name;

    @Option(
        names = "--host",
        required = true,
        paramLabel = "HOST",
        description = "Host name or IP.")
    String host;

    @Option(
        names = "--key",
        paramLabel = "PATH",
        description = "SSH private key (default: ~/.ssh/id_*).")
    @Nullable
    Path key;

    @Option(
        names = "--user",
        defaultValue = "root",
        paramLabel = "USER",
        description = "SSH user (default: ${DEFAULT-VALUE}).")
    String user;

    @Option(
        names = "--port",
        defaultValue = "22",
        paramLabel = "PORT",
        description = "SSH port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(
        names = "--mount",
        defaultValue = "",
        paramLabel = "DIR",
        description = "A shared file system mounted on both sides (NFS).")
    String mount;

    @Option(
        names = "--accept-host-key",
        description = "Accept and record the host key on first contact.")
    boolean acceptHostKey;

    @Option(names = "--no-check", description = "Register without connecting.")
    boolean noCheck;

    @Override
    public Integer call() {
      Clusters clusters = Clusters.of(state.dataDir());
      Cluster c = clusters.register(name, host, port, user, key, mount);
      ClusterStatus st = noCheck ? null : clusters.status(c, acceptHostKey);
      if (out.json()) {
        Map<String, Object> m = map(c);
        if (st != null) {
          m.put("status", StatusCmd.map(st));
        }
        out.json(m);
      } else {
        out.println("Registered cluster " + c.name() + " (" + c.address() + ")");
        if (st != null) {
          StatusCmd.print(out, st);
        }
      }
      return st == null || st.reachable() ? ExitCodes.OK : ExitCodes.FAILURE;
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Lists registered clusters.")
  static final class ListCmd extends StateSubcommand {
    @Override
    public Integer call() {
      List<Cluster> all = Clusters.of(state.dataDir()).list();
      if (out.json()) {
        out.json(Map.of("clusters", all.stream().map(ClusterCommand::map).toList()));
        return ExitCodes.OK;
      }
      out.table(
          List.of("NAME", "HOST", "PORT", "USER", "KEY", "MOUNT"),
          all.stream()
              .map(c -> List.of(
                  c.name(),
                  c.host(),
                  Integer.toString(c.port()),
                  c.user(),
                  c.keyPath() == null ? "~/.ssh/id_*" : c.keyPath().toString(),
                  c.mount()))
              .toList());
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = "Checks a cluster: reachable, latency, GPUs (remote nvidia-smi), load and the"
          + " remote nemospawn's version. Exits 1 when unreachable.")
  static final class StatusCmd extends StateSubcommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "The cluster's name.")
    String name;

    @Option(
        names = "--accept-host-key",
        description = "Accept and record the host key on first contact.")
    boolean acceptHostKey;

    static Map<String, Object> map(ClusterStatus st) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", st.name());
      m.put("reachable", st.reachable());
      m.put("latency_ms", st.latencyMillis());
      m.put("gpu_count", st.gpus().size());
      m.put(
          "gpus",
          st.gpus().stream()
              .map(g -> Map.of(
                  "index",
                  g.index(),
                  "name",
                  g.name(),
                  "memory_total_mb",
                  g.memoryTotalMb(),
                  "memory_used_mb",
                  g.memoryUsedMb()))
              .toList());
      m.put("gpu_error", st.gpuError());
      m.put("load", st.load());
      m.put("nemospawn_version", st.nemospawnVersion());
      m.put("error", st.error());
      return m;
    }

    static void print(Output out, ClusterStatus st) {
      if (!st.reachable()) {
        out.println("Cluster " + st.name() + ": unreachable: " + st.error());
        return;
      }
      out.println("Cluster " + st.name() + ": reachable, latency " + st.latencyMillis() + " ms");
      out.println("GPUs: " + st.gpus().size()
          + (st.gpuError().isEmpty() ? "" : " (" + st.gpuError() + ")"));
      st.gpus()
          .forEach(g -> out.println("  " + g.index() + " " + g.name() + " " + g.memoryUsedMb() + "/"
              + g.memoryTotalMb() + " MiB"));
      out.println("Load: " + st.load());
      out.println("nemospawn: "
          + (st.nemospawnVersion().isEmpty() ? "not installed" : st.nemospawnVersion()));
    }

    @Override
    public Integer call() {
      Clusters clusters = Clusters.of(state.dataDir());
      ClusterStatus st = clusters.status(clusters.get(name), acceptHostKey);
      if (out.json()) {
        out.json(map(st));
      } else {
        print(out, st);
      }
      return st.reachable() ? ExitCodes.OK : ExitCodes.FAILURE;
    }
  }

  @Command(
      name = "remove",
      mixinStandardHelpOptions = true,
      description = "Removes a registered cluster (its recorded host key stays).")
  static final class RemoveCmd extends StateSubcommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "The cluster's name.")
    String name;

    @Override
    public Integer call() {
      Clusters clusters = Clusters.of(state.dataDir());
      clusters.get(name);
      clusters.remove(name);
      if (out.json()) {
        out.json(Map.of("removed", name));
      } else {
        out.println("Removed cluster " + name);
      }
      return ExitCodes.OK;
    }
  }
}
