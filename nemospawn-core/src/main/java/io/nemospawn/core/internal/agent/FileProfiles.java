package io.nemospawn.core.internal.agent;

import io.nemospawn.InvalidSettingException;
import io.nemospawn.Listing;
import io.nemospawn.Remedied;
import io.nemospawn.agent.AgentKind;
import io.nemospawn.agent.Check;
import io.nemospawn.agent.Profile;
import io.nemospawn.agent.Profiles;
import io.nemospawn.core.internal.runtime.Exec;
import io.nemospawn.core.internal.state.Json;
import io.nemospawn.core.internal.state.RecordStore;
import io.nemospawn.core.internal.state.StateLock;
import io.nemospawn.spi.Environment;
import io.nemospawn.spi.StateFormat;
import io.nemospawn.state.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Profiles stored as {@code D/profiles/<name>.json} (FORMAT.md fields plus our {@code network}).
 * A name that is not stored but names an adapter resolves to that adapter with its defaults, so
 * {@code --profile claude} works without creating anything. Thread-safe.
 */
public final class FileProfiles implements Profiles {
  private static final Logger log = LoggerFactory.getLogger(FileProfiles.class);
  private final Path dir;
  private final Path lock;
  private final RecordStore store;

  public FileProfiles(Path dataDir, RecordStore store) {
    this.dir = dataDir.resolve("profiles");
    this.lock = dataDir.resolve(".locks").resolve("profiles.lock");
    this.store = store;
  }

  /** Returns the file of a profile. */
  public Path fileOf(String name) {
    return file(name);
  }

  private Path file(String name) {
    return dir.resolve(StateFormat.requireName("profile name", name) + ".json");
  }

  /**
   * Lists the stored profiles; unreadable files are reported as problems. Profile files that
   * others may read (written before profiles were private) are tightened to mode 0600.
   */
  @Override
  public Listing<Profile> list() {
    tightenAll();
    return store.list(dir, FileProfiles::decode, Comparator.comparing(Profile::name));
  }

  /** Returns a stored profile, else the built-in one of the adapter of that name. */
  @Override
  public Optional<Profile> find(String name) {
    tighten(file(name));
    Optional<ObjectNode> n = store.readIfExists(file(name));
    if (n.isPresent()) {
      return Optional.of(decode(n.get()));
    }
    String canonical = Adapters.canonical(name);
    if (Adapters.all().stream()
        .anyMatch(a -> a.name().equals(canonical) && !canonical.equals("custom"))) {
      Adapter a = Adapters.get(name);
      return Optional.of(new Profile(
          name,
          name,
          a.defaultCommand(),
          "",
          "",
          a.authEnv().isEmpty() ? "" : a.authEnv().get(0),
          Map.of(),
          List.of(),
          "built-in defaults for " + name,
          false));
    }
    return Optional.empty();
  }

  /**
   * Returns a profile.
   *
   * @throws NoSuchElementException naming the stored profiles and the adapters
   */
  @Override
  public Profile get(String name) {
    return find(name)
        .orElseThrow(() -> new Remedied.NotFound(
            Remedied.Remedy.of(Remedied.Action.CREATE_PROFILE, name, ""),
            "No profile '" + StateFormat.printable(name) + "'; stored profiles: "
                + list().items().stream().map(Profile::name).toList() + "; built-in agents: "
                + Adapters.all().stream()
                    .map(Adapter::name)
                    .filter(n -> !n.equals("custom"))
                    .toList()
                + "; create one with Profiles.create"));
  }

  /**
   * Stores a new profile.
   *
   * @throws IllegalArgumentException when one of that name exists or the agent is unknown
   */
  @Override
  public Profile create(Profile p) {
    Adapters.get(p.agent());
    if (p.agent().equals("custom") && p.command().isEmpty()) {
      throw new InvalidSettingException(
          List.of("command"),
          "Profile '" + p.name() + "' uses the custom agent but names no command; give it one");
    }
    store.checkChange(file(p.name()), "profile.create");
    try (StateLock l = StateLock.acquire(lock)) {
      // Profiles may hold keys (env values): only the owner may read them, whatever the umask.
      if (!AtomicFiles.createNewOwnerOnly(
          file(p.name()), Json.bytes(encode(p)), store.durability())) {
        throw new Remedied.InvalidArgument(
            Remedied.Remedy.of(Remedied.Action.DELETE_PROFILE, p.name(), ""),
            "Profile '" + p.name() + "' exists already at " + file(p.name())
                + "; delete it first (Profiles.delete) or choose another name");
      }
    }
    return p;
  }

  /**
   * Deletes a stored profile.
   *
   * @throws NoSuchElementException when none is stored under that name
   */
  @Override
  public void delete(String name) {
    store.checkChange(file(name), "profile.delete");
    try (StateLock l = StateLock.acquire(lock)) {
      if (!Files.deleteIfExists(file(name))) {
        throw new NoSuchElementException(
            "No stored profile '" + StateFormat.printable(name) + "' in " + dir + "; stored: "
                + list().items().stream().map(Profile::name).toList());
      }
    } catch (IOException e) {
      throw new io.nemospawn.StateException(
          file(name), "Cannot delete " + file(name) + ": " + e, e);
    }
  }

  private void tightenAll() {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (var files = Files.newDirectoryStream(dir, "*.json")) {
      files.forEach(FileProfiles::tighten);
    } catch (IOException e) {
      log.warn("Cannot list {} to make profile files private: {}", dir, e.toString());
    }
  }

  /** Makes a profile file readable by its owner only, if it is ours and others may read it. */
  static void tighten(Path file) {
    try {
      if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
        return;
      }
      Set<PosixFilePermission> mode =
          Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
      Set<PosixFilePermission> wide = EnumSet.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.GROUP_EXECUTE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE,
          PosixFilePermission.OTHERS_EXECUTE);
      wide.retainAll(mode);
      if (!wide.isEmpty()) {
        Set<PosixFilePermission> tight = EnumSet.copyOf(mode);
        tight.removeAll(wide);
        Files.setPosixFilePermissions(file, tight);
        log.info("Made profile file {} private (mode 0600): it may hold keys", file);
      }
    } catch (IOException | UnsupportedOperationException e) {
      log.warn("Cannot make profile file {} private: {}", file, e.toString());
    }
  }

  /** Returns the program a profile runs: its command, else its agent CLI's default. */
  public static String program(Profile p) {
    return p.command().isEmpty() ? Adapters.get(p.agent()).defaultCommand() : p.command();
  }

  @Override
  public List<AgentKind> agentKinds() {
    return Adapters.all().stream()
        .map(a -> new AgentKind(
            a.name(), a.defaultCommand(), a.describePromptVia(), a.authEnv(), a.docs()))
        .toList();
  }

  @Override
  public List<Check> doctor(String name) {
    Profile p = get(name);
    List<Check> out = new ArrayList<>();
    String program = program(p);
    Optional<Path> path = Exec.which(program);
    out.add(new Check(
        "command '" + program + "' found",
        path.isPresent(),
        path.map(Path::toString)
            .orElse("not on PATH; install " + p.agent() + " or set the profile's command")));
    if (path.isPresent()) {
      Exec.Result v = Exec.run(
          List.of(path.get().toString(), "--version"),
          null,
          Map.of(),
          java.time.Duration.ofSeconds(30));
      String first = v.out().isBlank() ? v.err().strip() : v.out().strip();
      first = first.lines().findFirst().orElse("");
      out.add(new Check(
          "'" + program + " --version' runs",
          v.ok(),
          v.ok() ? first : "exit " + v.exitCode() + ": " + v.why()));
    }
    List<String> auth = new ArrayList<>();
    if (!p.authEnv().isEmpty()) {
      auth.add(p.authEnv());
    } else if (!p.agent().equals("custom")) {
      auth.addAll(Adapters.get(p.agent()).authEnv());
    }
    if (auth.isEmpty()) {
      out.add(new Check(
          "authentication",
          true,
          "no key variable needed: " + p.agent() + " uses its own login or config"));
    } else {
      Optional<String> set = auth.stream()
          .filter(e -> {
            String v = Environment.get(e);
            return v != null && !v.isEmpty();
          })
          .findFirst();
      out.add(new Check(
          "auth variable " + String.join(" or ", auth) + " set",
          set.isPresent(),
          set.map(e -> e + " is set (value not shown)")
              .orElse("set " + auth.get(0) + " in the environment of the spawning process")));
    }
    return out;
  }

  static ObjectNode encode(Profile p) {
    ObjectNode n = Json.object();
    n.put("name", p.name());
    n.put("agent", p.agent());
    n.put("command", p.command());
    n.put("model", p.model());
    n.put("base_url", p.baseUrl());
    n.put("auth_env", p.authEnv());
    ObjectNode env = n.putObject("env");
    p.env().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> env.put(e.getKey(), e.getValue()));
    var args = n.putArray("args");
    p.args().forEach(args::add);
    n.put("description", p.description());
    n.put("network", p.network());
    return n;
  }

  static Profile decode(ObjectNode n) {
    Map<String, String> env = new LinkedHashMap<>();
    JsonNode e = n.get("env");
    if (e != null && e.isObject()) {
      for (Map.Entry<String, JsonNode> en : e.properties()) {
        env.put(
            en.getKey(),
            en.getValue().isString() ? en.getValue().asString() : en.getValue().toString());
      }
    }
    List<String> args = new ArrayList<>();
    JsonNode a = n.get("args");
    if (a != null && a.isArray()) {
      a.forEach(x -> args.add(x.isString() ? x.asString() : x.toString()));
    }
    JsonNode net = n.get("network");
    return new Profile(
        Json.text(n, "name"),
        Json.text(n, "agent", "custom"),
        Json.text(n, "command", ""),
        Json.text(n, "model", ""),
        Json.text(n, "base_url", ""),
        Json.text(n, "auth_env", ""),
        env,
        args,
        Json.text(n, "description", ""),
        net != null && net.asBoolean(false));
  }
}
