package io.nemospawn.cli;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.artifact.Artifact;
import io.nemospawn.artifact.ArtifactSpec;
import io.nemospawn.artifact.ArtifactType;
import io.nemospawn.nvidia.ngc.Ngc;
import io.nemospawn.spi.Environment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nemospawn ngc auth|list|pull|push|push-container}: NGC through its documented CLI, with
 * NemoSpawn 1.0's arguments. The API key (NGC_CLI_API_KEY or NGC_API_KEY) stays in the environment.
 */
@Command(
    name = "ngc",
    mixinStandardHelpOptions = true,
    description = "NGC registry operations, through the ngc CLI (and docker or podman for"
        + " containers). The API key comes from NGC_CLI_API_KEY or NGC_API_KEY, or ngc's own"
        + " config; it never goes on a command line.",
    subcommands = {
      NgcCommand.Auth.class,
      NgcCommand.ListModels.class,
      NgcCommand.Pull.class,
      NgcCommand.Push.class,
      NgcCommand.PushContainer.class
    })
final class NgcCommand {
  private NgcCommand() {}

  static Ngc ngc() {
    return Ngc.builder()
        .environment(Environment.all())
        .workingDirectory(Environment.workingDirectory())
        .build();
  }

  static Map<String, Object> result(Ngc.Result r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("commands", r.command());
    m.put("output", r.output());
    return m;
  }

  @Command(name = "auth", description = "Checks NGC CLI authentication status.")
  static final class Auth implements Callable<Integer> {
    @Mixin
    Output out;

    @Override
    public Integer call() {
      Ngc.Auth a = ngc().auth();
      if (out.json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("logged_in", a.loggedIn());
        m.put("key_source", a.keySource());
        m.put("org", a.org());
        m.put("team", a.team());
        out.json(m);
      } else if (a.loggedIn()) {
        out.println("NGC: logged in (API key from " + a.keySource() + ")"
            + (a.org().isEmpty() ? "" : ", org " + a.org())
            + (a.team().isEmpty() ? "" : ", team " + a.team()));
      } else {
        out.err()
            .println("NGC: not logged in: no API key in NGC_CLI_API_KEY or NGC_API_KEY and"
                + " none saved by `ngc config set`. Set one of them (keys start with nvapi-, from"
                + " https://org.ngc.nvidia.com/setup/api-keys) or run `ngc config set`.");
        out.err().flush();
      }
      return a.loggedIn() ? ExitCodes.OK : ExitCodes.FAILURE;
    }
  }

  @Command(name = "list", description = "Lists models in an NGC org.")
  static final class ListModels implements Callable<Integer> {
    @Mixin
    Output out;

    @Parameters(index = "0", paramLabel = "ORG", description = "NGC org name.")
    String org;

    @Option(
        names = "--filter",
        paramLabel = "PATTERN",
        defaultValue = "*",
        description = "Name filter pattern (default: ${DEFAULT-VALUE}).")
    String filter;

    @Override
    public Integer call() {
      Ngc.Result r = ngc().list(org, filter);
      if (out.json()) {
        out.json(result(r));
      } else {
        out.text(r.output().stripTrailing());
      }
      return ExitCodes.OK;
    }
  }

  /**
   * What {@code pull} and {@code push} share: {@code --version} is the model's version (as in
   * NemoSpawn 1.0), so they take {@code -h/--help} without the standard {@code -V/--version}.
   */
  static final class ModelVersion {
    @Option(
        names = {"-h", "--help"},
        usageHelp = true,
        description = "Show this help message and exit.")
    boolean help;

    @Option(
        names = "--version",
        paramLabel = "VERSION",
        defaultValue = "latest",
        description = "Model version (default: ${DEFAULT-VALUE}).")
    String version = "latest";
  }

  @Command(name = "pull", description = "Downloads a model from the NGC registry.")
  static final class Pull implements Callable<Integer> {
    @Mixin
    ModelVersion modelVersion;

    @Mixin
    Output out;

    @Mixin
    StateOptions state;

    @Parameters(index = "0", paramLabel = "ORG", description = "NGC org name.")
    String org;

    @Parameters(index = "1", paramLabel = "MODEL", description = "Model name (or TEAM/MODEL).")
    String model;

    @Option(
        names = {"-o", "--output"},
        paramLabel = "DIR",
        description = "Output directory (default: ngc's, the working directory).")
    Path output;

    @Option(
        names = "--register",
        paramLabel = "TEAM",
        description = "Also register the download as a nemo-checkpoint artifact of this team"
            + " (its .nemo file when it holds exactly one, else the directory).")
    String register;

    @Override
    public Integer call() {
      Team team = null;
      NemoSpawn ns = null;
      try {
        if (register != null) {
          // Open the team first, so an unknown team fails before a long download.
          ns = state.open();
          team = ns.team(register);
        }
        Ngc.Pull p = ngc().pull(org, model, modelVersion.version, output);
        Path local = p.localPath().orElse(output == null ? Environment.workingDirectory() : output);
        Map<String, Object> m = new LinkedHashMap<>(result(p.result()));
        m.put("target", p.target());
        m.put("local_path", local.toString());
        Artifact a = null;
        if (team != null) {
          a = team.artifacts()
              .register(ArtifactSpec.of(ArtifactType.NEMO_CHECKPOINT, checkpoint(local))
                  .withTags(List.of("ngc")));
          m.put("artifact_id", a.id());
        }
        if (out.json()) {
          out.json(m);
        } else {
          out.text(p.result().output().stripTrailing());
          out.println("Pulled " + p.target() + " to " + local);
          if (a != null && team != null) {
            out.println("Registered nemo-checkpoint " + a.id() + " at " + a.path() + " in team "
                + team.id());
          }
        }
        return ExitCodes.OK;
      } finally {
        if (team != null) {
          team.close();
        }
        if (ns != null) {
          ns.close();
        }
      }
    }

    /** Returns the one .nemo file under a download, else the download itself. */
    static Path checkpoint(Path local) {
      if (!Files.isDirectory(local)) {
        return local;
      }
      try (Stream<Path> s = Files.walk(local, 3)) {
        List<Path> nemo = s.filter(p -> p.getFileName().toString().endsWith(".nemo"))
            .filter(Files::isRegularFile)
            .toList();
        return nemo.size() == 1 ? nemo.get(0) : local;
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot list " + local + ": " + e, e);
      }
    }
  }

  @Command(name = "push", description = "Uploads a model to the NGC registry.")
  static final class Push implements Callable<Integer> {
    @Mixin
    ModelVersion modelVersion;

    @Mixin
    Output out;

    @Parameters(index = "0", paramLabel = "PATH", description = "Local model path.")
    Path path;

    @Parameters(index = "1", paramLabel = "ORG", description = "NGC org name.")
    String org;

    @Parameters(index = "2", paramLabel = "MODEL", description = "Model name (or TEAM/MODEL).")
    String model;

    @Option(
        names = "--desc",
        paramLabel = "TEXT",
        defaultValue = "",
        description = "Model description.")
    String desc;

    @Override
    public Integer call() {
      Ngc.Result r = ngc().push(path, org, model, modelVersion.version, desc);
      if (out.json()) {
        out.json(result(r));
      } else {
        out.text(r.output().stripTrailing());
        out.println("Pushed " + path + " as " + org + "/" + model + ":" + modelVersion.version);
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "push-container",
      description = "Pushes a Docker container to the NGC registry (nvcr.io): docker tag, then"
          + " docker push. Log in first: docker login nvcr.io --username '$oauthtoken'"
          + " --password-stdin.")
  static final class PushContainer implements Callable<Integer> {
    @Mixin
    Output out;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "Local Docker image name.")
    String image;

    @Parameters(index = "1", paramLabel = "ORG", description = "NGC org name.")
    String org;

    @Parameters(index = "2", paramLabel = "NAME", description = "Container name on NGC.")
    String name;

    @Option(
        names = "--tag",
        paramLabel = "TAG",
        defaultValue = "latest",
        description = "Image tag (default: ${DEFAULT-VALUE}).")
    String tag;

    @Override
    public Integer call() {
      Ngc.Result r = ngc().pushContainer(image, org, name, tag);
      if (out.json()) {
        out.json(result(r));
      } else {
        out.text(r.output().stripTrailing());
        out.println("Pushed " + image + " as " + Ngc.REGISTRY + "/" + org + "/" + name + ":" + tag);
      }
      return ExitCodes.OK;
    }
  }
}
