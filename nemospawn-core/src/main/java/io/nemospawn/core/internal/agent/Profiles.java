package io.nemospawn.core.internal.agent;

import io.nemospawn.Listing;
import io.nemospawn.core.internal.state.Json;
import io.nemospawn.core.internal.state.RecordStore;
import io.nemospawn.core.internal.state.StateLock;
import io.nemospawn.spi.StateFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Profiles stored as {@code D/profiles/<name>.json} (FORMAT.md fields plus our {@code network}).
 * A name that is not stored but names an adapter resolves to that adapter with its defaults, so
 * {@code --profile claude} works without creating anything. Thread-safe.
 */
public final class Profiles {
  private final Path dir;
  private final Path lock;
  private final RecordStore store;

  public Profiles(Path dataDir, RecordStore store) {
    this.dir = dataDir.resolve("profiles");
    this.lock = dataDir.resolve(".locks").resolve("profiles.lock");
    this.store = store;
  }

  /** Returns the file of a profile. */
  public Path file(String name) {
    return dir.resolve(StateFormat.requireName("profile name", name) + ".json");
  }

  /** Lists the stored profiles; unreadable files are reported as problems. */
  public Listing<Profile> list() {
    return store.list(dir, Profiles::decode, Comparator.comparing(Profile::name));
  }

  /** Returns a stored profile, else the built-in one of the adapter of that name. */
  public Optional<Profile> find(String name) {
    Optional<ObjectNode> n = store.readIfExists(file(name));
    if (n.isPresent()) {
      return Optional.of(decode(n.get()));
    }
    if (Adapters.all().stream().anyMatch(a -> a.name().equals(name) && !name.equals("custom"))) {
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
  public Profile get(String name) {
    return find(name)
        .orElseThrow(() -> new NoSuchElementException("No profile '"
            + StateFormat.printable(name) + "'; stored profiles: "
            + list().items().stream().map(Profile::name).toList() + "; built-in agents: "
            + Adapters.all().stream()
                .map(Adapter::name)
                .filter(n -> !n.equals("custom"))
                .toList()
            + "; create one with: nemospawn profile create NAME --agent AGENT"));
  }

  /**
   * Stores a new profile.
   *
   * @throws IllegalArgumentException when one of that name exists or the agent is unknown
   */
  public Profile create(Profile p) {
    Adapters.get(p.agent());
    if (p.agent().equals("custom") && p.command().isEmpty()) {
      throw new IllegalArgumentException(
          "Profile '" + p.name() + "' uses the custom agent but names no command; pass --command");
    }
    try (StateLock l = StateLock.acquire(lock)) {
      if (!store.createNew(file(p.name()), encode(p))) {
        throw new IllegalArgumentException("Profile '" + p.name() + "' exists already at "
            + file(p.name()) + "; delete it first with: nemospawn profile delete " + p.name());
      }
    }
    return p;
  }

  /**
   * Deletes a stored profile.
   *
   * @throws NoSuchElementException when none is stored under that name
   */
  public void delete(String name) {
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
