package io.nemospawn.cluster.ssh;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves an annexed file's content to or from a clone of its annex on a cluster with git-annex
 * itself: {@code git annex copy --to} and {@code git annex get --from} over SSH, so git-annex
 * checks the key's checksum and resumes a partial transfer (rsync keeps it in the receiving side's
 * {@code annex/tmp}). The clone on the cluster is made on the first push ({@code git init}, {@code
 * git annex init}, its work tree updated by our pushes) and added here as the git remote {@code
 * nemospawn-<cluster>}. Every command runs as an argument list (local {@code git} processes; remote
 * ones through {@link RemoteShell}); SSH from git and git-annex uses the cluster's key, port and
 * user and only our known_hosts files, with strict host key checking and no prompts.
 *
 * <p>Requirements: {@code git} and {@code git-annex} here; {@code git}, {@code git-annex} and
 * {@code git-annex-shell} on the cluster (its login {@code PATH} or {@code
 * ~/.nemospawn-remote/bin}). {@link #probe} tells whether the cluster has them, so a caller can
 * fall back to {@link ArtifactTransfer} (SFTP).
 *
 * @since 0.4
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.4")
public final class AnnexTransfer {
  private static final Logger LOG = LoggerFactory.getLogger(AnnexTransfer.class);
  private static final Duration SHORT = Duration.ofMinutes(2);
  private static final Duration SUM = Duration.ofMinutes(10);
  private static final Pattern SAFE_PATH = Pattern.compile("[A-Za-z0-9._/+@=,~-]+");
  private static final Pattern SHA256_KEY =
      Pattern.compile("SHA256E?-s(\\d+)(?:-[^-]+)*--([0-9a-f]{64})(?:\\..*)?");
  private static final Pattern KEY_SIZE = Pattern.compile("[A-Z0-9]+E?-s(\\d+)-.*");

  private AnnexTransfer() {}

  /**
   * A file that git-annex manages: a symlink into {@code .git/annex/objects} or an unlocked
   * pointer file.
   *
   * @param top the work tree of its repository, absolute
   * @param file its path inside the work tree (with {@code /})
   * @param key its git-annex key
   */
  public record Annexed(Path top, String file, String key) {
    /** Returns the SHA-256 the key names (for the SHA256 and SHA256E backends). */
    public Optional<String> keySha256() {
      Matcher m = SHA256_KEY.matcher(key);
      return m.matches() ? Optional.of(m.group(2)) : Optional.empty();
    }

    /** Returns the size the key names, or -1 when it names none. */
    public long keySize() {
      Matcher m = KEY_SIZE.matcher(key);
      return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /** Returns the file in the work tree. */
    public Path path() {
      return top.resolve(file);
    }
  }

  /**
   * What the cluster has of git-annex.
   *
   * @param version the remote {@code git-annex version --raw}, or empty when missing
   * @param shell the absolute path of the remote {@code git-annex-shell}, or empty when missing
   * @param missing why git-annex cannot be used there, or empty when it can
   */
  public record RemoteAnnex(String version, String shell, String missing) {
    /** Returns whether the cluster can take part in a git-annex transfer. */
    public boolean available() {
      return missing.isEmpty();
    }
  }

  /**
   * What a transfer did.
   *
   * @param bytes the content's size
   * @param resumedFrom the size of the partial copy the receiving side already had (0 for none)
   * @param sha256 the checksum both sides agree on, hex
   * @param key the git-annex key
   * @param remoteRepo the clone on the cluster, absolute
   * @param remoteFile the file in that clone's work tree, or the annex object when the work tree
   *     lacks it
   */
  public record Outcome(
      long bytes,
      long resumedFrom,
      String sha256,
      String key,
      String remoteRepo,
      String remoteFile) {}

  /** The cluster lacks git-annex (or git, or git-annex-shell): a caller may fall back to SFTP. */
  public static final class UnavailableException extends IOException {
    private static final long serialVersionUID = 1L;

    UnavailableException(String message) {
      super(message);
    }
  }

  /**
   * Returns the annexed file at {@code path}, or empty when it is no annexed file (not in a git
   * work tree, no annex there, not known to git-annex, or no {@code git}/{@code git-annex} here).
   */
  public static Optional<Annexed> locate(Path path) throws IOException {
    Path abs = path.toAbsolutePath().normalize();
    Path parent = abs.getParent();
    Path name = abs.getFileName();
    if (parent == null || name == null || !Files.isDirectory(parent)) {
      return Optional.empty();
    }
    Path realParent = parent.toRealPath();
    Run top;
    try {
      top = git(realParent, List.of("rev-parse", "--show-toplevel"), Map.of(), SHORT);
    } catch (IOException e) {
      LOG.debug("No git here: {}", e.getMessage());
      return Optional.empty();
    }
    if (top.code() != 0 || top.out().isBlank()) {
      return Optional.empty();
    }
    Path topDir = Path.of(top.out().strip());
    String file = topDir.relativize(realParent.resolve(name.toString())).toString();
    if (file.startsWith("..")) {
      return Optional.empty();
    }
    Run key;
    try {
      key = git(topDir, List.of("annex", "lookupkey", "--", file), Map.of(), SHORT);
    } catch (IOException e) {
      LOG.debug("No git-annex here: {}", e.getMessage());
      return Optional.empty();
    }
    String k = key.out().strip();
    if (key.code() != 0 || k.isEmpty() || k.contains("\n")) {
      return Optional.empty();
    }
    return Optional.of(new Annexed(topDir, file, k));
  }

  /** Asks the cluster for {@code git}, {@code git-annex} and {@code git-annex-shell}. */
  public static RemoteAnnex probe(RemoteShell sh) throws IOException {
    RemoteShell.Result git = sh.exec(Clusters.withRemotePath(List.of("git", "--version")), SHORT);
    if (git.exitCode() != 0) {
      return new RemoteAnnex("", "", "no git on the cluster (" + why(git) + ")");
    }
    RemoteShell.Result v =
        sh.exec(Clusters.withRemotePath(List.of("git-annex", "version", "--raw")), SHORT);
    if (v.exitCode() != 0 || v.out().isBlank()) {
      return new RemoteAnnex("", "", "no git-annex on the cluster (" + why(v) + ")");
    }
    RemoteShell.Result s =
        sh.exec(Clusters.withRemotePath(List.of("sh", "-c", "command -v git-annex-shell")), SHORT);
    String shell = s.out().strip();
    if (s.exitCode() != 0 || !shell.startsWith("/")) {
      return new RemoteAnnex(
          v.out().strip(), "", "no git-annex-shell on the cluster's PATH (" + why(s) + ")");
    }
    return new RemoteAnnex(v.out().strip(), shell, "");
  }

  private static String why(RemoteShell.Result r) {
    String err = r.err().strip();
    return r.exitCode() == 127
        ? "command not found"
        : "exit " + r.exitCode() + (err.isEmpty() ? "" : ": " + firstLine(err));
  }

  /** Returns the name of the git remote for the cluster: {@code nemospawn-<cluster>}. */
  public static String remoteName(Cluster cluster) {
    return "nemospawn-" + cluster.name();
  }

  /**
   * Checks a path for a clone on a cluster: it goes into an SSH URL and a remote shell's command
   * line, so only letters, digits and {@code . _ - + @ = , / ~} are allowed, and no {@code ..}.
   *
   * @throws IllegalArgumentException naming the value and the rule
   */
  public static String checkRepoPath(String path) {
    if (path == null
        || !SAFE_PATH.matcher(path).matches()
        || List.of(path.split("/")).contains("..")
        || path.indexOf('~', 1) >= 0
        || (path.startsWith("~") && !path.equals("~") && !path.startsWith("~/"))) {
      throw new IllegalArgumentException("Invalid path '" + path
          + "' for a git-annex clone on a cluster; use letters, digits and . _ - + @ = , / only"
          + " (no '..'; '~/' only at the start)");
    }
    return path;
  }

  /**
   * Returns where a team's clone of this annex goes on the cluster by default: {@code
   * <mount>/nemospawn/annex/<team>/<repository directory name>} with a shared mount, else {@code
   * ~/.nemospawn-remote/annex/<team>/<repository directory name>} (relative to the remote home);
   * characters other than letters, digits, '.', '_' and '-' in the name become '_'.
   */
  public static String defaultRepo(Cluster cluster, String team, Annexed a) {
    Path name = a.top().getFileName();
    String repo = name == null ? "annex" : name.toString().replaceAll("[^A-Za-z0-9._-]", "_");
    if (repo.startsWith(".") || repo.isEmpty()) {
      repo = "annex" + repo;
    }
    String tail = "annex/" + team.replaceAll("[^A-Za-z0-9._-]", "_") + "/" + repo;
    return cluster.mount().isEmpty()
        ? Clusters.REMOTE_DIR + "/" + tail
        : cluster.mount() + "/nemospawn/" + tail;
  }

  /** Returns the clone's absolute path: relative paths and {@code ~/} are under the home. */
  static String absolute(RemoteShell sh, String repo) throws IOException {
    checkRepoPath(repo);
    String abs;
    if (repo.startsWith("/")) {
      abs = repo;
    } else if (repo.equals("~")) {
      abs = sh.home();
    } else {
      abs = sh.home() + "/" + (repo.startsWith("~/") ? repo.substring(2) : repo);
    }
    abs = abs.replaceAll("/+", "/");
    return abs.length() > 1 && abs.endsWith("/") ? abs.substring(0, abs.length() - 1) : abs;
  }

  /**
   * Copies the annexed file's content to the clone at {@code remoteRepo} on the cluster (made when
   * missing) with {@code git annex copy --to}, after pushing the current branch so the clone's work
   * tree shows the file; then checks the cluster's copy with its {@code sha256sum}.
   *
   * @throws UnavailableException when the cluster lacks git-annex; nothing was changed then
   * @throws IOException when a step fails, naming it and what git-annex said
   */
  public static Outcome push(
      RemoteShell sh, Cluster cluster, SshSettings settings, Annexed a, String remoteRepo)
      throws IOException {
    Path content = a.path();
    // A locked file without content is a dangling symlink; an unlocked one is a small pointer file.
    if (!Files.isRegularFile(content) || (a.keySize() >= 0 && Files.size(content) != a.keySize())) {
      throw new IOException("The content of " + content + " (git-annex key " + a.key()
          + ") is not in this repository; get it first (git annex get)");
    }
    long size = Files.size(content);
    String want = ArtifactTransfer.sha256(content);
    Optional<String> keySum = a.keySha256();
    if (keySum.isPresent() && !keySum.get().equals(want)) {
      throw new IOException("The content of " + content + " does not match its git-annex key "
          + a.key() + " (SHA-256 " + want + "); check it with git annex fsck");
    }
    RemoteAnnex ra = probe(sh);
    if (!ra.available()) {
      throw new UnavailableException(
          "Cluster '" + cluster.name() + "' cannot take a git-annex transfer: " + ra.missing());
    }
    String repo = absolute(sh, remoteRepo);
    String gitDir = remoteGitDir(sh, repo, cluster, true);
    Map<String, String> env = sshEnv(cluster, settings);
    String remote = configureRemote(a.top(), cluster, repo, ra, env);
    long from = Math.max(0, sh.size(gitDir + "/annex/tmp/" + a.key()));
    Run head = git(a.top(), List.of("rev-parse", "--verify", "-q", "HEAD"), Map.of(), SHORT);
    if (head.code() == 0) {
      Run push =
          git(a.top(), List.of("push", "-q", remote, "+HEAD:refs/heads/nemospawn"), env, SHORT);
      if (push.code() != 0) {
        LOG.warn(
            "Could not update the work tree of {} on cluster {} (the content is still"
                + " copied): {}",
            repo,
            cluster.name(),
            firstLine(push.out()));
      }
    }
    Run copy = git(
        a.top(),
        List.of("-c", "annex.sshcaching=false", "annex", "copy", "--to", remote, "--", a.file()),
        env,
        null);
    if (copy.code() != 0) {
      throw new IOException("git annex copy of " + a.file() + " to cluster '" + cluster.name()
          + "' (" + repo + ") failed: " + tail(copy.out()));
    }
    String object = remoteObject(sh, repo, a, cluster);
    String got = ArtifactTransfer.remoteSha256(sh, object);
    if (!got.equals(want)) {
      throw new IOException("Checksum mismatch after git annex copy of " + a.file() + " to "
          + cluster.name() + ":" + object + ": local SHA-256 " + want + ", remote " + got
          + "; run git annex fsck in " + repo + " on the cluster");
    }
    String inTree = repo + "/" + a.file();
    String remoteFile = sh.size(inTree) == size ? inTree : object;
    return new Outcome(size, from, want, a.key(), repo, remoteFile);
  }

  /**
   * Gets the annexed file's content from the clone at {@code remoteRepo} on the cluster with
   * {@code git annex get --from} (after fetching the clone's git-annex branch, so this repository
   * knows the clone has it), then checks it against the cluster's {@code sha256sum}.
   *
   * @throws UnavailableException when the cluster lacks git-annex; nothing was changed then
   * @throws IOException when the clone is missing or a step fails, naming it
   */
  public static Outcome pull(
      RemoteShell sh, Cluster cluster, SshSettings settings, Annexed a, String remoteRepo)
      throws IOException {
    RemoteAnnex ra = probe(sh);
    if (!ra.available()) {
      throw new UnavailableException(
          "Cluster '" + cluster.name() + "' cannot take a git-annex transfer: " + ra.missing());
    }
    String repo = absolute(sh, remoteRepo);
    remoteGitDir(sh, repo, cluster, false);
    String object = remoteObject(sh, repo, a, cluster);
    String want = ArtifactTransfer.remoteSha256(sh, object);
    Map<String, String> env = sshEnv(cluster, settings);
    String remote = configureRemote(a.top(), cluster, repo, ra, env);
    Run fetch = git(a.top(), List.of("fetch", "-q", remote), env, SHORT);
    if (fetch.code() != 0) {
      throw new IOException("git fetch from cluster '" + cluster.name() + "' (" + repo
          + ") failed: " + tail(fetch.out()));
    }
    Run dir = git(a.top(), List.of("rev-parse", "--absolute-git-dir"), Map.of(), SHORT);
    Path partial = Path.of(dir.out().strip(), "annex", "tmp", a.key());
    long from = Files.isRegularFile(partial) ? Files.size(partial) : 0;
    Run get = git(
        a.top(),
        List.of("-c", "annex.sshcaching=false", "annex", "get", "--from", remote, "--", a.file()),
        env,
        null);
    if (get.code() != 0) {
      throw new IOException("git annex get of " + a.file() + " from cluster '" + cluster.name()
          + "' (" + repo + ") failed: " + tail(get.out()));
    }
    Path content = a.path();
    String got = ArtifactTransfer.sha256(content);
    if (!got.equals(want)) {
      throw new IOException("Checksum mismatch after git annex get of " + a.file() + " from "
          + cluster.name() + ": remote SHA-256 " + want + ", local " + got
          + "; check it with git annex fsck");
    }
    return new Outcome(Files.size(content), from, got, a.key(), repo, object);
  }

  /**
   * Puts {@code content} (a file copied some other way, such as over SFTP) into the annex as the
   * content of {@code a}'s key with {@code git annex reinject}, which checks that it matches the
   * key and moves it in.
   */
  public static void reinject(Annexed a, Path content) throws IOException {
    Run r = git(
        a.top(),
        List.of("annex", "reinject", "--", content.toAbsolutePath().toString(), a.file()),
        Map.of(),
        SUM);
    if (r.code() != 0 || !Files.isRegularFile(a.path())) {
      throw new IOException("git annex reinject of " + content + " as " + a.file() + " (key "
          + a.key() + ") failed: " + tail(r.out()) + "; the copy stays at " + content);
    }
  }

  /** Returns the clone's git directory, making the clone first when {@code create}. */
  private static String remoteGitDir(RemoteShell sh, String repo, Cluster cluster, boolean create)
      throws IOException {
    RemoteShell.Result gd = sh.exec(
        Clusters.withRemotePath(List.of("git", "-C", repo, "rev-parse", "--git-dir")), SHORT);
    String g = gd.out().strip();
    if (gd.exitCode() == 0 && (g.equals(".git") || g.equals("."))) {
      RemoteShell.Result uuid = sh.exec(
          Clusters.withRemotePath(List.of("git", "-C", repo, "config", "annex.uuid")), SHORT);
      if (uuid.out().isBlank()) {
        if (!create) {
          throw new IOException("The repository " + repo + " on cluster '" + cluster.name()
              + "' has no annex; push the artifact there first");
        }
        annexInit(sh, repo, cluster);
      }
      return g.equals(".") ? repo : repo + "/.git";
    }
    if (!create) {
      throw new IOException("No git-annex clone at " + repo + " on cluster '" + cluster.name()
          + "'; push the artifact there first, or give the path of the clone that has it");
    }
    if (sh.size(repo) >= 0) {
      RemoteShell.Result ls =
          sh.exec(List.of("find", repo, "-mindepth", "1", "-maxdepth", "1"), SHORT);
      if (ls.exitCode() != 0 || !ls.out().isBlank()) {
        throw new IOException(repo + " on cluster '" + cluster.name() + "' exists and is not a"
            + " git repository; give the path of a clone or of a new directory");
      }
    }
    sh.mkdirs(repo);
    remote(sh, List.of("git", "init", "-q", repo), cluster);
    remote(sh, List.of("git", "-C", repo, "symbolic-ref", "HEAD", "refs/heads/nemospawn"), cluster);
    remote(
        sh,
        List.of("git", "-C", repo, "config", "receive.denyCurrentBranch", "updateInstead"),
        cluster);
    annexInit(sh, repo, cluster);
    return repo + "/.git";
  }

  private static void annexInit(RemoteShell sh, String repo, Cluster cluster) throws IOException {
    remote(
        sh,
        List.of("git", "-C", repo, "annex", "init", "-q", "nemospawn clone on " + cluster.name()),
        cluster);
  }

  private static RemoteShell.Result remote(RemoteShell sh, List<String> argv, Cluster cluster)
      throws IOException {
    RemoteShell.Result r = sh.exec(Clusters.withRemotePath(argv), SHORT);
    if (r.exitCode() != 0) {
      throw new IOException(
          "On cluster '" + cluster.name() + "', " + String.join(" ", argv) + " failed: " + why(r));
    }
    return r;
  }

  /** Returns the absolute path of the key's object in the clone; fails when it is not there. */
  private static String remoteObject(RemoteShell sh, String repo, Annexed a, Cluster cluster)
      throws IOException {
    RemoteShell.Result r = sh.exec(
        Clusters.withRemotePath(List.of("git", "-C", repo, "annex", "contentlocation", a.key())),
        SHORT);
    String p = r.out().strip();
    if (r.exitCode() != 0 || p.isEmpty()) {
      throw new IOException("The clone " + repo + " on cluster '" + cluster.name()
          + "' does not have the content of " + a.file() + " (key " + a.key() + ")");
    }
    return p.startsWith("/") ? p : repo + "/" + p;
  }

  /** Adds (or points) the git remote {@code nemospawn-<cluster>} at the clone. */
  private static String configureRemote(
      Path top, Cluster cluster, String repo, RemoteAnnex ra, Map<String, String> env)
      throws IOException {
    String name = remoteName(cluster);
    String host = cluster.host().contains(":") ? "[" + cluster.host() + "]" : cluster.host();
    String url = "ssh://" + cluster.user() + "@" + host + ":" + cluster.port() + repo;
    Run now = git(top, List.of("config", "--get", "remote." + name + ".url"), Map.of(), SHORT);
    if (now.code() != 0) {
      check(git(top, List.of("remote", "add", name, url), Map.of(), SHORT), "git remote add");
    } else if (!now.out().strip().equals(url)) {
      check(git(top, List.of("remote", "set-url", name, url), Map.of(), SHORT), "git remote");
      git(top, List.of("config", "--unset", "remote." + name + ".annex-uuid"), Map.of(), SHORT);
    }
    git(top, List.of("config", "--unset", "remote." + name + ".annex-ignore"), Map.of(), SHORT);
    if (SAFE_PATH.matcher(ra.shell()).matches()) {
      check(
          git(
              top,
              List.of("config", "remote." + name + ".annex-shell", ra.shell()),
              Map.of(),
              SHORT),
          "git config");
    }
    return name;
  }

  /**
   * Returns the environment that makes git and git-annex reach the cluster with its key, port
   * and user and only our known_hosts files ({@code GIT_SSH_COMMAND}, which git-annex honours
   * with {@code GIT_ANNEX_USE_GIT_SSH=1}); nothing in it is a secret.
   */
  static Map<String, String> sshEnv(Cluster cluster, SshSettings settings) throws IOException {
    List<String> known = new ArrayList<>();
    for (Path p : settings.knownHosts()) {
      if (Files.isRegularFile(p)) {
        String s = p.toAbsolutePath().toString();
        if (s.indexOf('"') >= 0 || s.indexOf('\n') >= 0) {
          throw new IOException("The known_hosts file " + s + " has a '\"' or a newline in its"
              + " path, which ssh cannot be given; move the data directory");
        }
        known.add("\"" + s + "\"");
      }
    }
    if (known.isEmpty()) {
      throw new IOException("No known_hosts file to check cluster '" + cluster.name()
          + "' against; check its status first to record its host key");
    }
    List<String> ssh = new ArrayList<>(List.of(
        "ssh",
        "-o",
        "BatchMode=yes",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "UserKnownHostsFile=" + String.join(" ", known),
        "-o",
        "GlobalKnownHostsFile=/dev/null",
        "-o",
        "ServerAliveInterval=15",
        "-o",
        "ServerAliveCountMax=4",
        "-o",
        "ConnectTimeout=" + Math.max(1, settings.connectTimeout().toSeconds())));
    Path key = cluster.keyPath();
    if (key != null) {
      ssh.addAll(List.of("-o", "IdentitiesOnly=yes", "-i", key.toString()));
    }
    Map<String, String> env = new LinkedHashMap<>();
    env.put("GIT_SSH_COMMAND", RemoteShell.commandLine(ssh));
    env.put("GIT_ANNEX_USE_GIT_SSH", "1");
    env.put("GIT_TERMINAL_PROMPT", "0");
    return env;
  }

  private static void check(Run r, String what) throws IOException {
    if (r.code() != 0) {
      throw new IOException(what + " failed: " + tail(r.out()));
    }
  }

  private static String firstLine(String s) {
    String t = s.strip();
    int nl = t.indexOf('\n');
    return nl < 0 ? t : t.substring(0, nl);
  }

  private static String tail(String s) {
    String t = s.replace('\r', '\n').strip();
    List<String> lines = new ArrayList<>();
    for (String l : t.split("\n")) {
      if (!l.isBlank()) {
        lines.add(l.strip());
      }
    }
    return String.join(" | ", lines.subList(Math.max(0, lines.size() - 4), lines.size()));
  }

  private record Run(int code, String out) {}

  /** Runs {@code git ARGS} in {@code dir}; output and errors together; no deadline when null. */
  private static Run git(
      Path dir, List<String> args, Map<String, String> env, @Nullable Duration timeout)
      throws IOException {
    List<String> argv = new ArrayList<>();
    argv.add("git");
    argv.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true);
    for (String v : List.of("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_SSH")) {
      pb.environment().remove(v);
    }
    pb.environment().putAll(env);
    Process p = pb.start();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Thread pump = new Thread(() -> {
      try (var in = p.getInputStream()) {
        in.transferTo(out);
      } catch (IOException ignored) {
        // The process ended.
      }
    });
    pump.setDaemon(true);
    pump.start();
    try {
      p.getOutputStream().close();
      if (timeout == null) {
        p.waitFor();
      } else if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        throw new IOException(
            "git " + String.join(" ", args) + " did not finish in " + timeout.toSeconds() + " s");
      }
      pump.join(5_000);
    } catch (InterruptedException e) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted while running git " + String.join(" ", args), e);
    }
    return new Run(p.exitValue(), out.toString(StandardCharsets.UTF_8));
  }
}
