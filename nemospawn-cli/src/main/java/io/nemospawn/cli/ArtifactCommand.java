package io.nemospawn.cli;

import io.nemospawn.Listing;
import io.nemospawn.Team;
import io.nemospawn.artifact.Artifact;
import io.nemospawn.artifact.ArtifactSpec;
import io.nemospawn.artifact.ArtifactType;
import io.nemospawn.artifact.Artifacts;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.TypeConversionException;

/** {@code nemospawn artifact}: register, promote, list and show experiment artifacts. */
@Command(
    name = "artifact",
    mixinStandardHelpOptions = true,
    description = "Experiment artifacts: checkpoints, adapters, datasets, ranked by val_loss.",
    subcommands = {
      ArtifactCommand.Register.class,
      ArtifactCommand.Promote.class,
      ArtifactCommand.ListArtifacts.class,
      ArtifactCommand.Show.class,
      ArtifactCommand.Push.class,
      ArtifactCommand.Pull.class
    })
final class ArtifactCommand {

  /** What every artifact subcommand shares beyond opening its team. */
  abstract static class Base extends TeamArgSubcommand {
    void print(Artifact a) {
      if (out.json()) {
        out.json(CoordViews.artifact(a));
        return;
      }
      List<List<String>> rows = new ArrayList<>();
      rows.add(List.of("artifact_id", a.id()));
      rows.add(List.of("type", a.type().wireName()));
      rows.add(List.of("path", a.path()));
      rows.add(List.of("agent", CoordViews.cell(a.agentId())));
      rows.add(List.of("val_loss", valLoss(a)));
      a.metrics().forEach((k, v) -> rows.add(List.of("metric " + k, String.valueOf(v))));
      rows.add(List.of("nemo_config_hash", CoordViews.cell(a.nemoConfigHash())));
      rows.add(List.of("promoted", Boolean.toString(a.promoted())));
      rows.add(List.of("tags", a.tags().isEmpty() ? "-" : String.join(", ", a.tags())));
      rows.add(List.of("created_at", CoordViews.time(a.createdAt())));
      out.table(List.of("FIELD", "VALUE"), rows);
    }
  }

  static String valLoss(Artifact a) {
    return Double.isNaN(a.valLoss()) ? "-" : Double.toString(a.valLoss());
  }

  @Command(name = "register", description = "Registers an artifact of one of the seven types.")
  static final class Register extends Base {
    @Mixin
    AgentOption agent;

    @Parameters(
        index = "1",
        arity = "0..1",
        paramLabel = "PATH",
        description = "Where it is, a file or directory; stored absolute (or give --path).")
    @Nullable
    String arg1;

    @Option(
        names = "--type",
        paramLabel = "TYPE",
        defaultValue = "nemo-checkpoint",
        converter = TypeConverter.class,
        description = "nemo-checkpoint (the default), lora-adapter, nim-container, dataset,"
            + " benchmark, reward-signal or config-patch.")
    ArtifactType type;

    @Option(names = "--path", paramLabel = "PATH", description = "Where it is; stored absolute.")
    @Nullable
    Path pathOption;

    private Path path;

    @Override
    @Initializer
    void parse() {
      if (pathOption != null) {
        args(Collections.singletonList(arg1));
        path = pathOption;
      } else {
        path = Main.path(arg(arg1, "PATH"));
      }
    }

    @Option(names = "--val-loss", paramLabel = "V", description = "Its validation loss.")
    @Nullable
    Double valLoss;

    @Option(
        names = "--metric",
        paramLabel = "KEY=VALUE",
        description = "A metric; numbers are stored as numbers. Repeat for several.")
    Map<String, String> metrics = new LinkedHashMap<>();

    @Option(names = "--tag", paramLabel = "TAG", description = "A tag; repeat for several.")
    List<String> tags = new ArrayList<>();

    @Option(
        names = "--tags",
        split = ",",
        paramLabel = "TAGS",
        description = "Comma-separated tags (NemoSpawn 1.0's form).")
    List<String> tagList = new ArrayList<>();

    @Option(names = "--config-hash", paramLabel = "HASH", description = "NeMo config hash.")
    String configHash = "";

    @Override
    int run(Team t) {
      List<String> allTags = new ArrayList<>();
      tagList.stream().map(String::strip).filter(x -> !x.isEmpty()).forEach(allTags::add);
      allTags.addAll(tags);
      Map<String, Object> m = new LinkedHashMap<>();
      metrics.forEach((k, v) -> m.put(k, number(v)));
      if (valLoss != null && valLoss.isNaN()) { // the library reads NaN as "no loss"
        throw new IllegalArgumentException(
            "Invalid val_loss NaN; use a finite number or leave it unset");
      }
      ArtifactSpec spec = ArtifactSpec.of(type, path)
          .withAgent(agent.agentOr(""))
          .withValLoss(valLoss == null ? Double.NaN : valLoss)
          .withMetrics(m)
          .withTags(allTags)
          .withNemoConfigHash(configHash.isEmpty() ? yamlConfigHash(path) : configHash);
      Artifact a = t.artifacts().register(spec);
      if (out.json()) {
        out.json(CoordViews.artifact(a));
      } else {
        out.println("Registered " + a.type().wireName() + " " + a.id() + " at " + a.path());
      }
      return ExitCodes.OK;
    }

    /**
     * Returns the canonical hash of a NeMo YAML config ({@code .yaml}/{@code .yml} file), empty
     * for any other path; a YAML file that does not parse is registered without one, with a
     * warning.
     */
    private String yamlConfigHash(Path p) {
      String name =
          p.getFileName() == null ? "" : p.getFileName().toString().toLowerCase(Locale.ROOT);
      if (!(name.endsWith(".yaml") || name.endsWith(".yml"))
          || !java.nio.file.Files.isRegularFile(p)) {
        return "";
      }
      try {
        return io.nemospawn.nvidia.nemo.NemoConfig.read(p).hash();
      } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
        out.err().println("Warning: registered without a config hash: " + e.getMessage());
        out.err().flush();
        return "";
      }
    }

    private static Object number(String v) {
      try {
        return Long.parseLong(v.trim());
      } catch (NumberFormatException e) {
        try {
          double d = Double.parseDouble(v.trim());
          return Double.isFinite(d) ? d : v;
        } catch (NumberFormatException e2) {
          return v;
        }
      }
    }
  }

  @Command(
      name = "promote",
      description = "Crowns an artifact: the only promoted one of its type in the team.")
  static final class Promote extends OneArtifact {
    @Override
    int run(Team t) {
      Artifact a = t.artifacts().promote(artifactId);
      if (out.json()) {
        out.json(CoordViews.artifact(a));
      } else {
        out.println("Promoted " + a.id() + " as the " + a.type().wireName() + " of team " + t.id());
      }
      return ExitCodes.OK;
    }
  }

  /** Promote and show name one artifact, after the team as in NemoSpawn 1.0. */
  abstract static class OneArtifact extends Base {
    @Parameters(
        index = "1",
        arity = "0..1",
        paramLabel = "ARTIFACT_ID",
        description = "The artifact, art-<8 hex>.")
    @Nullable
    String arg1;

    String artifactId;

    @Override
    @Initializer
    void parse() {
      artifactId = arg(arg1, "ARTIFACT_ID");
    }
  }

  @Command(name = "list", description = "Lists artifacts, filtered and sorted.")
  static final class ListArtifacts extends Base {
    @Option(
        names = "--type",
        paramLabel = "TYPE",
        converter = TypeConverter.class,
        description = "Only this type.")
    @Nullable
    ArtifactType type;

    @Option(
        names = "--sort",
        paramLabel = "KEY",
        defaultValue = "val_loss",
        converter = SortConverter.class,
        description = "val_loss (lowest first, unknown last; the default, as in NemoSpawn 1.0) or"
            + " created_at (oldest first; also: time).")
    Artifacts.Sort sort;

    @Option(names = "--tag", paramLabel = "TAG", description = "Only artifacts with this tag.")
    String tag = "";

    @Option(names = "--promoted", description = "Only promoted artifacts.")
    boolean promoted;

    @Option(
        names = "--limit",
        paramLabel = "N",
        defaultValue = "0",
        description = "At most this many (0: all).")
    int limit;

    @Override
    int run(Team t) {
      Listing<Artifact> all =
          t.artifacts().list(new Artifacts.Query(type, "", tag, promoted, sort, limit));
      if (out.json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("artifacts", all.items().stream().map(CoordViews::artifact).toList());
        m.put("problems", CoordViews.problems(all));
        out.json(m);
      } else {
        out.table(
            List.of("ARTIFACT", "TYPE", "VAL_LOSS", "PROMOTED", "AGENT", "TAGS", "PATH"),
            all.items().stream()
                .map(a -> List.of(
                    a.id(),
                    a.type().wireName(),
                    valLoss(a),
                    a.promoted() ? "*" : "",
                    CoordViews.cell(a.agentId()),
                    a.tags().isEmpty() ? "-" : String.join(",", a.tags()),
                    a.path()))
                .toList());
        CoordViews.warnProblems(out, all);
      }
      return ExitCodes.OK;
    }
  }

  @Command(name = "show", description = "Shows one artifact.")
  static final class Show extends OneArtifact {
    @Override
    int run(Team t) {
      print(t.artifacts().get(artifactId));
      return ExitCodes.OK;
    }
  }

  /** What push and pull share: the cluster, the remote path and the method. */
  abstract static class Transfer extends OneArtifact {
    @Option(
        names = "--cluster",
        required = true,
        paramLabel = "NAME",
        description = "The registered cluster (see cluster register).")
    String cluster;

    @Option(
        names = "--remote-path",
        paramLabel = "REMOTE_LOCATION",
        description = "Over SFTP: where the copy is on the cluster (default: <mount>/nemospawn/"
            + "artifacts/TEAM/ARTIFACT/<file name> with a --mount, else ~/.nemospawn-remote/"
            + "artifacts/...). With git-annex: the clone of the annex there (default: <mount>/"
            + "nemospawn/annex/TEAM/<repository name>, else ~/.nemospawn-remote/annex/...).")
    @Nullable
    String remotePath;

    @Option(
        names = "--method",
        paramLabel = "METHOD",
        defaultValue = "auto",
        converter = MethodConverter.class,
        description = "auto (default): git-annex when the artifact is an annexed file and the"
            + " cluster has git-annex, else SFTP (saying why); git-annex: fail rather than fall"
            + " back; sftp: always SFTP, copying an annexed file's content.")
    Method method = Method.AUTO;

    String sftpRemote(io.nemospawn.cluster.ssh.Cluster c, Team t, Artifact a, boolean fellBack) {
      String name = String.valueOf(java.nio.file.Path.of(a.path()).getFileName());
      if (remotePath != null) {
        // With git-annex, --remote-path names the clone; a fallback puts the file inside it.
        return fellBack ? remotePath + "/" + name : remotePath;
      }
      String tail = "artifacts/" + t.id() + "/" + a.id() + "/" + name;
      return c.mount().isEmpty()
          ? io.nemospawn.cluster.ssh.Clusters.REMOTE_DIR + "/" + tail
          : c.mount() + "/nemospawn/" + tail;
    }

    int transfer(Team t, boolean push) throws java.io.IOException {
      Artifact a = t.artifacts().get(artifactId);
      var clusters = io.nemospawn.cluster.ssh.Clusters.of(state.dataDir());
      var c = clusters.get(cluster);
      java.nio.file.Path local = java.nio.file.Path.of(a.path());
      var annexed = io.nemospawn.cluster.ssh.AnnexTransfer.locate(local);
      if (method == Method.GIT_ANNEX && annexed.isEmpty()) {
        throw new IllegalArgumentException("Artifact " + a.id() + "'s path " + local
            + " is not an annexed file (not in a git-annex repository, or not added with git"
            + " annex add); use --method auto or sftp");
      }
      if (push && !java.nio.file.Files.isRegularFile(local)) {
        if (annexed.isEmpty()) {
          throw new IllegalArgumentException("Artifact " + a.id() + "'s path " + local
              + " is not a file here; push copies one file");
        } else if (method == Method.SFTP) {
          throw new IllegalArgumentException("Artifact " + a.id() + "'s path " + local
              + " is an annexed file whose content is not in this repository; get it first"
              + " (git annex get)");
        }
      }
      try (var sh = clusters.connect(c, false)) {
        if (annexed.isPresent() && method != Method.SFTP) {
          var an = annexed.get();
          String repo = remotePath != null
              ? remotePath
              : io.nemospawn.cluster.ssh.AnnexTransfer.defaultRepo(c, t.id(), an);
          try {
            var o = push
                ? io.nemospawn.cluster.ssh.AnnexTransfer.push(sh, c, clusters.settings(), an, repo)
                : io.nemospawn.cluster.ssh.AnnexTransfer.pull(sh, c, clusters.settings(), an, repo);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("key", o.key());
            m.put("remote_repo", o.remoteRepo());
            report(
                a,
                c,
                push,
                "git-annex",
                local,
                o.remoteFile(),
                o.bytes(),
                o.resumedFrom(),
                o.sha256(),
                m);
            return ExitCodes.OK;
          } catch (io.nemospawn.cluster.ssh.AnnexTransfer.UnavailableException e) {
            if (method == Method.GIT_ANNEX) {
              throw new java.io.IOException(
                  e.getMessage() + "; install git-annex there, or use --method sftp", e);
            }
            out.err()
                .println("Warning: " + e.getMessage() + "; copying " + a.id()
                    + " over SFTP instead (--method git-annex refuses this)");
            out.err().flush();
          }
        }
        String remote = sftpRemote(c, t, a, annexed.isPresent() && method != Method.SFTP);
        io.nemospawn.cluster.ssh.ArtifactTransfer.Outcome o;
        if (push) {
          o = io.nemospawn.cluster.ssh.ArtifactTransfer.push(sh, local, remote, d -> {});
        } else if (annexed.isPresent()) {
          // The annexed file is a symlink (or pointer) git-annex owns: the copy goes beside it
          // and git annex reinject moves it into the annex after checking it against the key.
          java.nio.file.Path copy =
              local.toAbsolutePath().resolveSibling("." + local.getFileName() + ".nemospawn-pull");
          o = io.nemospawn.cluster.ssh.ArtifactTransfer.pull(sh, remote, copy, d -> {});
          io.nemospawn.cluster.ssh.AnnexTransfer.reinject(annexed.get(), copy);
        } else {
          o = io.nemospawn.cluster.ssh.ArtifactTransfer.pull(sh, remote, local, d -> {});
        }
        report(a, c, push, "sftp", local, remote, o.bytes(), o.resumedFrom(), o.sha256(), Map.of());
      }
      return ExitCodes.OK;
    }

    private void report(
        Artifact a,
        io.nemospawn.cluster.ssh.Cluster c,
        boolean push,
        String via,
        java.nio.file.Path local,
        String remote,
        long bytes,
        long resumedFrom,
        String sha256,
        Map<String, Object> extra) {
      if (out.json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("artifact_id", a.id());
        m.put("cluster", c.name());
        m.put("direction", push ? "push" : "pull");
        m.put("method", via);
        m.put("local", local.toString());
        m.put("remote", remote);
        m.put("bytes", bytes);
        m.put("resumed_from", resumedFrom);
        m.put("sha256", sha256);
        m.putAll(extra);
        out.json(m);
      } else {
        out.println((push ? "Pushed " : "Pulled ") + a.id() + " " + (push ? "to " : "from ")
            + c.name() + ":" + remote + " via " + via + " (" + bytes + " bytes, sha256 " + sha256
            + (resumedFrom > 0 ? ", resumed at " + resumedFrom : "") + ")");
      }
    }
  }

  /** How {@code artifact push/pull} moves the bytes. */
  enum Method {
    AUTO,
    GIT_ANNEX,
    SFTP
  }

  /** Parses {@code --method}: auto, git-annex (also annex) or sftp. */
  static final class MethodConverter implements ITypeConverter<Method> {
    @Override
    public Method convert(String value) {
      switch (value.trim().toLowerCase(Locale.ROOT)) {
        case "auto":
          return Method.AUTO;
        case "git-annex":
        case "annex":
          return Method.GIT_ANNEX;
        case "sftp":
          return Method.SFTP;
        default:
          throw new TypeConversionException(
              "Unknown method '" + value + "'; use auto, git-annex or sftp");
      }
    }
  }

  @Command(
      name = "push",
      description = "Copies an artifact's file to a cluster: through git-annex (git annex copy"
          + " --to a clone there) when it is an annexed file and the cluster has git-annex, else"
          + " over SFTP; SHA-256 checked on both sides; an interrupted copy resumes.")
  static final class Push extends Transfer {
    @Override
    int run(Team t) throws Exception {
      return transfer(t, true);
    }
  }

  @Command(
      name = "pull",
      description = "Copies an artifact's file from a cluster back to its path here: through"
          + " git-annex (git annex get from the clone there) when it is an annexed file, else"
          + " over SFTP; SHA-256 checked on both sides; an interrupted copy resumes.")
  static final class Pull extends Transfer {
    @Override
    int run(Team t) throws Exception {
      return transfer(t, false);
    }
  }

  /** Parses {@code --type}; a bad value is a usage error listing the seven types. */
  static final class TypeConverter implements ITypeConverter<ArtifactType> {
    @Override
    public ArtifactType convert(String value) {
      try {
        return ArtifactType.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** Parses {@code --sort}. */
  static final class SortConverter implements ITypeConverter<Artifacts.Sort> {
    @Override
    public Artifacts.Sort convert(String value) {
      switch (value.trim().toLowerCase(Locale.ROOT).replace('-', '_')) {
        case "val_loss":
        case "valloss":
        case "loss":
          return Artifacts.Sort.VAL_LOSS;
        case "time":
        case "created":
        case "created_at":
          return Artifacts.Sort.CREATED;
        default:
          throw new TypeConversionException(
              "Unknown sort '" + value + "'; use val_loss or created_at (also: time)");
      }
    }
  }
}
